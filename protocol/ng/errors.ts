/**
 * The ng protocol's failure replies. They live here, below both the call layer (which throws them)
 * and the control layer (which turns them into replies), so neither imports the other for them.
 */

/** A request failure answered with rtpengine's exact `error-reason` string. */
export class NgError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** The load-limit condition: `load limit` reply when the client supports it, else an error. */
export class NgLoadLimit extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}
