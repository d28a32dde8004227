/** A fatal configuration problem: the daemon must print the message and exit non-zero. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
