// Daemon options: rtpengine 10.5 command line + config file -> DaemonOptions.
// See spec §6 (options, key file), §7 (timeouts) and §9 (quirks).

import { FACILITY_NAMES, facilityCode } from '../service/facility.js';
import { readFile } from 'node:fs/promises';
import { lookup as dnsLookup } from 'node:dns/promises';
import os from 'node:os';
import { ConfigError } from './errors.js';
import { parseCliInteger } from './argv.js';
import { keyFileInteger } from './keyfile.js';
import { LOG_SUBSYSTEMS, type LogSubsystem } from './option-table.js';
import { DEFAULT_CONFIG_FILE, mergeOptions, type RawEntry } from './merge.js';
import { parseListenSpec, type ListenAddress } from './listen.js';
import { resolveInterfaces, type InterfaceSpec, type NetworkInterfacesFn } from './interfaces.js';
import type { LookupFn } from './addresses.js';

export { ConfigError } from './errors.js';
export { isHelpRequest, isVersionRequest, argvRequest } from './argv.js';
export { helpText } from './help.js';
export { DEFAULT_CONFIG_FILE, DEFAULT_CONFIG_SECTION } from './merge.js';
export { LOG_SUBSYSTEMS, type LogSubsystem } from './option-table.js';
export type { InterfaceSpec } from './interfaces.js';
export type { ListenAddress } from './listen.js';

export type EndpointLearning = 'delayed' | 'immediate' | 'off' | 'heuristic';

/** The --dtls-* options, as rtpengine 10.5 reads them. */
export interface DtlsOptions {
  /** --dtls-cert-cipher: prime256v1 (default) or RSA. */
  certCipher: 'prime256v1' | 'RSA';
  /** --dtls-rsa-key-size (default 2048), used with RSA. */
  rsaKeySize: number;
  /** --dtls-signature: the certificate's self-signature hash, SHA-256 (default) or SHA-1. */
  signature: 'SHA-256' | 'SHA-1';
  /** --dtls-mtu (default 1200, at least 576). */
  mtu: number;
  /** --dtls-ciphers as given (an OpenSSL cipher list); undefined = rtpengine's default. */
  ciphers?: string;
  /** --dtls-passive: DTLS=passive for every call. */
  passive: boolean;
}

export interface DaemonOptions {
  /** One entry per local address (an interface name or `any` expands to several). */
  interfaces: InterfaceSpec[];
  /** UDP ng sockets; 127.0.0.1:2223 if no ng-capable listener is configured at all. */
  listenNg: ListenAddress[];
  listenTcpNg?: ListenAddress[];
  /** --listen-udp: rtpproxy protocol sockets. */
  listenUdp?: ListenAddress[];
  /** --listen-tcp: rtpengine's TCP line-protocol sockets. */
  listenTcp?: ListenAddress[];
  listenHttp?: ListenAddress[];
  /** --listen-https: the same routes as --listen-http over TLS (daemon/http/http-server.ts). */
  listenHttps?: ListenAddress[];
  /** --https-cert (PEM; required with --listen-https) and --https-key (PEM; rtpengine reads the key from the cert file without it). */
  httpsCert?: string;
  httpsKey?: string;
  /** `--listen-cli`: rtpengine-ctl's TCP port (daemon/control/cli/). */
  listenCli?: ListenAddress[];
  portMin: number;
  portMax: number;
  numThreads: number;
  foreground: boolean;
  logStderr: boolean;
  noLogTimestamps: boolean;
  /** --log-format: rtpengine's `default` or `parsable` line; `json` (ours) keeps pino's JSON lines. */
  logFormat: 'default' | 'parsable' | 'json';
  /** --log-facility: syslog facility name (default daemon). */
  logFacility: string;
  /** --log-mark-prefix / --log-mark-suffix around call ids in log lines. */
  logMarkPrefix: string;
  logMarkSuffix: string;
  /** --log-level, 0..7 (syslog numbering), default 6. */
  logLevel: number;
  /** Effective per-subsystem levels: explicit non-zero value, else logLevel; `internals` is -1 (off) unless set. */
  logLevels: Record<LogSubsystem, number>;
  pidfile?: string;
  /** The config file that was read, if any. */
  configFile?: string;
  configSection: string;
  timeout: number;
  silentTimeout: number;
  /** 0 = off. */
  finalTimeout: number;
  offerTimeout: number;
  deleteDelay: number;
  tos?: number;
  /** Kernel table; -1 = userspace only (rtpengine's code default). rtpengine-ts is always userspace. */
  table: number;
  /** -1 = unlimited. */
  maxSessions: number;
  /** Reject new calls while the 1-minute load average exceeds this (0 = off). */
  maxLoad: number;
  /** Reject new calls while system CPU usage (percent) exceeds this (0 = off). */
  maxCpu: number;
  /** Reject new calls while relayed bytes per second exceed this (0 = off). */
  maxBandwidth: number;
  endpointLearning: EndpointLearning;
  sipSource: boolean;
  mos: 'CQ' | 'LQ';
  dtls: DtlsOptions;
  rejectInvalidSdp: boolean;
  recordingDir?: string;
  /** As configured; rtpengine's default when unset is `pcap`. */
  recordingMethod?: string;
  /** As configured; rtpengine's default when unset is `raw`. */
  recordingFormat?: string;
  /**
   * Effective raw value of every option that was set (file and/or command line),
   * by long name: string list for value options (one element unless repeatable),
   * boolean for flags.
   */
  raw: Map<string, string[] | boolean>;
}

export interface LoadResult {
  options: DaemonOptions;
  warnings: string[];
}

/** Hooks for tests; every field defaults to the real system. */
export interface LoadEnv {
  defaultConfigFile?: string;
  readFile?: (path: string) => Promise<string>;
  networkInterfaces?: NetworkInterfacesFn;
  lookup?: LookupFn;
  availableParallelism?: () => number;
}

export const DEFAULT_NG_LISTEN: ListenAddress = { address: '127.0.0.1', port: 2223, family: 'IP4' };

const defaultLookup: LookupFn = async (host) => dnsLookup(host, { all: true });

function intValue(entry: RawEntry | undefined): number | undefined {
  if (!entry || typeof entry.value !== 'string') return undefined;
  if (entry.source === 'cli') return parseCliInteger(entry.value, entry.spelled);
  try {
    return keyFileInteger(entry.value);
  } catch (e) {
    throw new ConfigError(`config file key '${entry.spelled}': ${(e as Error).message}`);
  }
}

/** A decimal option (`--max-load=1.5`); invalid text is a ConfigError naming the option. */
function floatValue(entry: RawEntry | undefined): number | undefined {
  if (!entry || typeof entry.value !== 'string') return undefined;
  const v = Number(entry.value.trim());
  if (!Number.isFinite(v)) throw new ConfigError(`Invalid value '${entry.value}' for ${entry.spelled}`);
  return v;
}

function strValue(entry: RawEntry | undefined): string | undefined {
  return entry && typeof entry.value === 'string' ? entry.value : undefined;
}

function listValue(entry: RawEntry | undefined): string[] {
  if (!entry) return [];
  if (Array.isArray(entry.value)) return entry.value;
  return typeof entry.value === 'string' ? [entry.value] : [];
}

/**
 * Parses `argv` (the arguments after the program name, i.e. process.argv.slice(2))
 * plus the config file. Throws ConfigError on anything rtpengine would refuse to
 * start with. -h/--help and -v/--version are not handled here: check
 * argvRequest()/isHelpRequest()/isVersionRequest() first.
 */
export async function loadOptions(argv: string[], env: LoadEnv = {}): Promise<LoadResult> {
  const merged = await mergeOptions(argv, {
    defaultConfigFile: env.defaultConfigFile ?? DEFAULT_CONFIG_FILE,
    readFile: env.readFile ?? ((p) => readFile(p, 'utf8')),
  });
  const { entries } = merged;
  const warnings = merged.warnings;
  const get = (long: string): RawEntry | undefined => entries.get(long);
  const flag = (long: string): boolean => get(long)?.value === true;

  const raw = new Map<string, string[] | boolean>();
  for (const [long, e] of entries) {
    raw.set(long, typeof e.value === 'boolean' ? e.value : listValue(e));
    if (!e.def.implemented) warnings.push(`option --${long} is accepted for compatibility and ignored`);
  }

  // --- log levels
  let logLevel = intValue(get('log-level')) ?? 6;
  if (logLevel < 0 || logLevel > 7) {
    const clamped = Math.min(7, Math.max(0, logLevel));
    warnings.push(`log level ${logLevel} out of range 0-7, using ${clamped}`);
    logLevel = clamped;
  }
  const logLevels = {} as Record<LogSubsystem, number>;
  for (const sub of LOG_SUBSYSTEMS) {
    const explicit = intValue(get(`log-level-${sub}`));
    const initial = explicit ?? (sub === 'internals' ? -1 : 0);
    logLevels[sub] = initial === 0 ? logLevel : initial;
  }

  // --- interfaces (mandatory)
  const interfaceSpecs = listValue(get('interface'));
  if (interfaceSpecs.length === 0) throw new ConfigError('Missing option --interface');
  const lookup = env.lookup ?? defaultLookup;
  const interfaces = await resolveInterfaces(interfaceSpecs, {
    networkInterfaces: env.networkInterfaces ?? os.networkInterfaces,
    lookup,
  });
  if (interfaces.length === 0) throw new ConfigError('Cannot start without any configured interfaces');

  // --- listeners
  const listenOne = async (long: string): Promise<ListenAddress[] | undefined> => {
    const specs = listValue(get(long));
    if (specs.length === 0) return undefined;
    const out: ListenAddress[] = [];
    for (const spec of specs) out.push(...(await parseListenSpec(spec, long, lookup)));
    return out;
  };
  let listenNg = (await listenOne('listen-ng')) ?? [];
  const listenTcpNg = await listenOne('listen-tcp-ng');
  const listenHttp = await listenOne('listen-http');
  const listenUdp = await listenOne('listen-udp');
  const listenTcp = await listenOne('listen-tcp');
  const listenCli = await listenOne('listen-cli');
  const listenHttps = await listenOne('listen-https');
  const httpsCert = strValue(get('https-cert'));
  // rtpengine 10.5 (checked): without --https-cert it logs this and exits ("Fatal error: Failed to init
  // websocket listener"); without --https-key it reads the key from the certificate file.
  if (listenHttps && !httpsCert) {
    throw new ConfigError('Failed to start websocket listener: HTTPS/WSS listener requested, but no certificate given');
  }
  if (listenNg.length === 0 && !listenTcpNg && !listenHttp && !listenUdp && !listenTcp && !listenHttps) {
    listenNg = [{ ...DEFAULT_NG_LISTEN }];
    warnings.push(
      'no ng listener configured (rtpengine would refuse to start: "Missing option --listen-tcp, --listen-udp, '
        + '--listen-ng, --listen-tcp-ng, --listen-http, or --listen-https"); using --listen-ng=127.0.0.1:2223',
    );
  }

  // --- ports
  const portMin = intValue(get('port-min')) ?? 30000;
  const portMax = intValue(get('port-max')) ?? 40000;
  if (portMin < 1 || portMax > 65535 || portMin > portMax) {
    throw new ConfigError(`Invalid port range ${portMin}-${portMax} (--port-min/--port-max)`);
  }

  // --- timeouts: non-positive values fall back to the defaults (final-timeout: off)
  const positiveOr = (v: number | undefined, def: number): number => (v !== undefined && v > 0 ? v : def);
  const timeout = positiveOr(intValue(get('timeout')), 60);
  const silentTimeout = positiveOr(intValue(get('silent-timeout')), 3600);
  const offerTimeout = positiveOr(intValue(get('offer-timeout')), 3600);
  const finalTimeout = positiveOr(intValue(get('final-timeout')), 0);
  const deleteDelay = intValue(get('delete-delay')) ?? 30;

  const tos = intValue(get('tos'));
  if (tos !== undefined && (tos < 0 || tos > 255)) throw new ConfigError('Invalid TOS value');

  let endpointLearning: EndpointLearning = 'delayed';
  const el = strValue(get('endpoint-learning'));
  if (el !== undefined) {
    const v = el.toLowerCase();
    if (v !== 'delayed' && v !== 'immediate' && v !== 'off' && v !== 'heuristic') {
      throw new ConfigError(`Invalid --endpoint-learning option ('${el}')`);
    }
    endpointLearning = v;
  }

  let mos: 'CQ' | 'LQ' = 'CQ';
  const mosRaw = strValue(get('mos'));
  if (mosRaw !== undefined) {
    const v = mosRaw.toUpperCase();
    if (v !== 'CQ' && v !== 'LQ') throw new ConfigError(`Invalid --mos option ('${mosRaw}')`);
    mos = v;
  }

  const dtls = dtlsOptions(get, flag('dtls-passive'));

  const logFormatRaw = strValue(get('log-format')) ?? 'default';
  if (logFormatRaw !== 'default' && logFormatRaw !== 'parsable' && logFormatRaw !== 'json') {
    throw new ConfigError('Fatal error: Invalid --log-format option');
  }
  const logFacility = strValue(get('log-facility')) ?? 'daemon';
  for (const long of ['log-facility']) {
    const f = strValue(get(long));
    // rtpengine 10.5 prints the list and exits 255 (measured); ours exits 1 with the same list.
    if (f !== undefined && facilityCode(f) === undefined) throw new ConfigError(`available facilities: ${FACILITY_NAMES.join(' ')}`);
  }

  const parallelism = (env.availableParallelism ?? os.availableParallelism)();
  const numThreads = positiveOr(intValue(get('num-threads')), parallelism);

  const options: DaemonOptions = {
    interfaces,
    listenNg,
    portMin,
    portMax,
    numThreads,
    foreground: flag('foreground'),
    logStderr: flag('log-stderr'),
    noLogTimestamps: flag('no-log-timestamps'),
    logFormat: logFormatRaw,
    logFacility,
    logMarkPrefix: strValue(get('log-mark-prefix')) ?? '',
    logMarkSuffix: strValue(get('log-mark-suffix')) ?? '',
    logLevel,
    logLevels,
    configSection: merged.configSection,
    timeout,
    silentTimeout,
    finalTimeout,
    offerTimeout,
    deleteDelay,
    table: intValue(get('table')) ?? -1,
    maxSessions: intValue(get('max-sessions')) ?? -1,
    maxLoad: floatValue(get('max-load')) ?? 0,
    maxCpu: floatValue(get('max-cpu')) ?? 0,
    maxBandwidth: intValue(get('max-bandwidth')) ?? 0,
    endpointLearning,
    sipSource: flag('sip-source'),
    mos,
    dtls,
    rejectInvalidSdp: flag('reject-invalid-sdp'),
    raw,
  };
  if (listenTcpNg) options.listenTcpNg = listenTcpNg;
  if (listenUdp) options.listenUdp = listenUdp;
  if (listenTcp) options.listenTcp = listenTcp;
  if (listenHttp) options.listenHttp = listenHttp;
  if (listenHttps) {
    options.listenHttps = listenHttps;
    options.httpsCert = httpsCert!;
    options.httpsKey = strValue(get('https-key')) || httpsCert!;
  }
  if (listenCli) options.listenCli = listenCli;
  if (tos !== undefined) options.tos = tos;
  if (merged.configFile !== undefined) options.configFile = merged.configFile;
  const optional = [
    ['pidfile', 'pidfile'], ['recording-dir', 'recordingDir'],
    ['recording-method', 'recordingMethod'], ['recording-format', 'recordingFormat'],
  ] as const;
  for (const [long, key] of optional) {
    const v = strValue(get(long));
    if (v !== undefined && v !== '') options[key] = v;
  }
  return { options, warnings };
}

/** The --dtls-* options with rtpengine 10.5's checks and fatal-error texts (values case-insensitive). */
function dtlsOptions(get: (long: string) => RawEntry | undefined, passive: boolean): DtlsOptions {
  const o: DtlsOptions = { certCipher: 'prime256v1', rsaKeySize: 2048, signature: 'SHA-256', mtu: 1200, passive };
  const cipher = strValue(get('dtls-cert-cipher'));
  if (cipher !== undefined) {
    const v = cipher.toLowerCase();
    if (v === 'prime256v1') o.certCipher = 'prime256v1';
    else if (v === 'rsa') o.certCipher = 'RSA';
    else throw new ConfigError(`Invalid --dtls-cert-cipher option ('${cipher}')`);
  }
  const sig = strValue(get('dtls-signature'));
  if (sig !== undefined) {
    const v = sig.toUpperCase();
    if (v === 'SHA-256' || v === 'SHA256') o.signature = 'SHA-256';
    else if (v === 'SHA-1' || v === 'SHA1') o.signature = 'SHA-1';
    else throw new ConfigError(`Invalid --dtls-signature option ('${sig}')`);
  }
  const mtu = intValue(get('dtls-mtu'));
  if (mtu !== undefined) {
    if (mtu < 576) throw new ConfigError(`Invalid --dtls-mtu (${mtu})`);
    o.mtu = mtu;
  }
  const keySize = intValue(get('dtls-rsa-key-size'));
  if (keySize !== undefined) o.rsaKeySize = keySize;
  const ciphers = strValue(get('dtls-ciphers'));
  if (ciphers !== undefined) o.ciphers = ciphers;
  return o;
}
