/**
 * Reads the golden transcripts in test/fixtures/golden (a copy of ../shared/spec/golden: real rtpengine 10.5 captures) and compares
 * our replies with the recorded ones, masking only what rtpengine randomises: ports (mapped one to
 * one across a whole replay), timestamps, and values named by the caller.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bdecode, type BValue } from '../../protocol/ng/bencode.js';

export const GOLDEN_DIR = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));

export interface GoldenExchange {
  file: string;
  number: number;
  title: string;
  request: Buffer | null;
  response: Buffer | null;
}

const SEP = `\n${'='.repeat(78)}\nEXCHANGE `;

/** Undoes the transcript's escaping of raw wire bytes (\r, \n, doubled backslash). */
function unescape(s: string): Buffer {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      const n = s[i + 1]!;
      if (n === 'r') { out += '\r'; i++; continue; }
      if (n === 'n') { out += '\n'; i++; continue; }
      if (n === '\\') { out += '\\'; i++; continue; }
    }
    out += c;
  }
  return Buffer.from(out, 'latin1');
}

function rawBlock(blk: string, which: 'request' | 'response'): Buffer | null {
  const marker = `--- ${which} (raw wire bytes, \\r \\n escaped) ---\n`;
  const i = blk.indexOf(marker);
  if (i < 0) return null;
  const rest = blk.slice(i + marker.length);
  const end = rest.indexOf('\n');
  return unescape(end < 0 ? rest : rest.slice(0, end));
}

export function readGolden(file: string): GoldenExchange[] {
  const text = readFileSync(GOLDEN_DIR + file, 'latin1');
  return text.split(SEP).slice(1).map((blk) => {
    const title = blk.slice(0, blk.indexOf('\n'));
    return { file, number: Number.parseInt(title, 10), title, request: rawBlock(blk, 'request'), response: rawBlock(blk, 'response') };
  });
}

/** Splits `<cookie> <payload>` and decodes the payload (bencode or JSON) to comparable JS values. */
export function decodeWire(b: Buffer): { cookie: string; value: unknown } {
  const sp = b.indexOf(0x20);
  const cookie = b.subarray(0, sp).toString('latin1');
  const payload = b.subarray(sp + 1);
  if (payload[0] === 0x7b) return { cookie, value: JSON.parse(payload.toString('utf8')) as unknown };
  return { cookie, value: toPlain(bdecode(payload)) };
}

/** Maps and lists stay ordered: dicts become arrays of [key, value] pairs. */
type Plain = string | number | Plain[] | { dict: [string, Plain][] };

function toPlain(v: BValue): Plain {
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map(toPlain);
  return { dict: [...v].map(([k, x]) => [k, toPlain(x)]) };
}

export interface CompareRules {
  /** Dict keys whose integer values are times (compared for type only). */
  timeKeys: Set<string>;
  /** Paths (regexes over e.g. `$.tags.x.medias[0].codec`) not compared at all, with the reason. */
  ignorePaths: Map<RegExp, string>;
  /** Local port range of the golden daemon: those numbers are mapped to ours one to one. */
  goldenPortRange: [number, number];
  /** Paths whose values depend on timing or on unrecorded history: same type required, value not compared. */
  shapeOnly?: RegExp[];
  /**
   * Several local addresses each have their own pool, so one port number recurs on different
   * addresses: ports are then only checked to lie in our range, not mapped one to one.
   */
  portsPerAddress?: boolean;
  /**
   * SDP lines left out of the comparison on both sides (e.g. ICE lines in an exchange that waits for
   * the ICE issue, so that everything else in it is still compared).
   */
  sdpLinesIgnored?: RegExp;
}

/**
 * Volatile tokens (rtpengine's `a=rtpengine:<instance id>`) seen in golden vs our replies: later
 * requests that quote the golden value get ours instead (same length, so bencode stays valid).
 */
export class TokenMap {
  private readonly map = new Map<string, string>();

  learn(golden: Buffer, ours: Buffer): void {
    const re = /a=rtpengine:([0-9a-f]{12})/g;
    const g = [...golden.toString('latin1').matchAll(re)].map((m) => m[1]!);
    const o = [...ours.toString('latin1').matchAll(re)].map((m) => m[1]!);
    g.forEach((x, i) => { if (o[i] && o[i]!.length === x.length) this.map.set(x, o[i]!); });
  }

  apply(request: Buffer): Buffer {
    let s = request.toString('latin1');
    for (const [g, o] of this.map) s = s.split(g).join(o);
    return Buffer.from(s, 'latin1');
  }
}

/** Golden value <-> ours, one to one across a whole replay (a value seen again must map the same way). */
export class OneToOne<T> {
  private readonly g2o = new Map<T, T>();
  private readonly o2g = new Map<T, T>();

  constructor(private readonly what: string) {}

  check(golden: T, ours: T, where: string, diffs: string[]): void {
    const o = this.g2o.get(golden);
    const g = this.o2g.get(ours);
    if (o === undefined && g === undefined) {
      this.g2o.set(golden, ours);
      this.o2g.set(ours, golden);
      return;
    }
    if (o !== ours || g !== golden) diffs.push(`${where}: golden ${this.what} ${String(golden)} ↔ ours ${String(ours)} breaks the mapping (had ${String(o)} / ${String(g)})`);
  }
}

/**
 * Golden port -> our port, shared across one replay so re-used ports must stay re-used; `secrets` does
 * the same for random key material (SDES inline keys) and the certificate fingerprint.
 */
export class PortMap extends OneToOne<number> {
  readonly secrets = new OneToOne<string>('secret');

  constructor() {
    super('port');
  }
}

/**
 * An SDP line holding a value rtpengine makes up at random: an SDES key (RFC 4568 §9.1 inline
 * key||salt) or our certificate's fingerprint (RFC 8122 §5). `shape` is the line with the value
 * replaced by its length, so everything around it (tag, suite, lifetime, parameters, hash) must be equal.
 */
function volatileSdpLine(line: string): { shape: string; token: string } | undefined {
  const c = /^(a=crypto:\d+ \S+ inline:)([A-Za-z0-9+/]+={0,2})(.*)$/s.exec(line);
  if (c) return { shape: `${c[1]}<${c[2]!.length}>${c[3]}`, token: c[2]! };
  const f = /^(a=fingerprint:\S+ )([0-9A-F]{2}(?::[0-9A-F]{2})+)(\r?\n?)$/.exec(line);
  if (f) return { shape: `${f[1]}<${f[2]!.length}>${f[3]}`, token: f[2]! };
  return undefined;
}

/** Compares two SDP bodies line by line; ports of the daemon's range are mapped. */
function compareSdp(g: string, o: string, rules: CompareRules, ports: PortMap, where: string, diffs: string[]): void {
  const skip = rules.sdpLinesIgnored;
  const gl = g.split(/(?<=\n)/).filter((l) => !skip?.test(l));
  const ol = o.split(/(?<=\n)/).filter((l) => !skip?.test(l));
  if (gl.length !== ol.length) diffs.push(`${where}: ${gl.length} SDP lines in golden, ${ol.length} in ours\n--- golden\n${g}--- ours\n${o}`);
  for (let i = 0; i < Math.min(gl.length, ol.length); i++) {
    // The instance id is random per daemon: same attribute, same length.
    if (/^a=rtpengine:[0-9a-f]{12}\r?\n?$/.test(gl[i]!) && /^a=rtpengine:[0-9a-f]{12}\r?\n?$/.test(ol[i]!)) continue;
    const gv = volatileSdpLine(gl[i]!);
    const ov = volatileSdpLine(ol[i]!);
    if (gv && ov && gv.shape === ov.shape) {
      ports.secrets.check(gv.token, ov.token, `${where} line ${i + 1}`, diffs);
      continue;
    }
    const gs = gl[i]!.split(/(\d+)/);
    const os = ol[i]!.split(/(\d+)/);
    let same = gs.length === os.length;
    for (let k = 0; same && k < gs.length; k++) {
      if (gs[k] === os[k]) continue;
      const gn = Number(gs[k]);
      const on = Number(os[k]);
      const [lo, hi] = rules.goldenPortRange;
      if (k % 2 === 1 && gn >= lo && gn <= hi && /^(m=|a=rtcp:|a=candidate)/.test(gl[i]!)) {
        if (rules.portsPerAddress) {
          if (!(on >= lo && on <= hi)) diffs.push(`${where} line ${i + 1}: port ${on} outside ${lo}-${hi}`);
        } else ports.check(gn, on, `${where} line ${i + 1}`, diffs);
        continue;
      }
      same = false;
    }
    if (!same) diffs.push(`${where}: SDP line ${i + 1}: golden ${JSON.stringify(gl[i])} ours ${JSON.stringify(ol[i])}`);
  }
}

function ignored(rules: CompareRules, path: string): boolean {
  for (const re of rules.ignorePaths.keys()) if (re.test(path)) return true;
  return false;
}

export function compareValues(g: unknown, o: unknown, rules: CompareRules, ports: PortMap, where: string, diffs: string[], key = ''): void {
  if (ignored(rules, where)) return;
  if (rules.shapeOnly?.some((re) => re.test(where)) && (typeof g === 'number' || typeof g === 'string')) {
    if (typeof o !== typeof g) diffs.push(`${where}: expected a ${typeof g}, got ${JSON.stringify(o)}`);
    return;
  }
  if (rules.timeKeys.has(key)) {
    if (typeof o !== 'number') diffs.push(`${where}: ${key} should be an integer time`);
    return;
  }
  if (key === 'sdp' && typeof g === 'string' && typeof o === 'string') return compareSdp(g, o, rules, ports, where, diffs);
  if ((key === 'local port') && typeof g === 'number' && typeof o === 'number') {
    if (!rules.portsPerAddress) return ports.check(g, o, where, diffs);
    if (o < rules.goldenPortRange[0] || o > rules.goldenPortRange[1]) diffs.push(`${where}: port ${o} outside the range`);
    return;
  }
  if (Array.isArray(g)) {
    if (!Array.isArray(o) || o.length !== g.length) {
      diffs.push(`${where}: list ${JSON.stringify(g)} vs ${JSON.stringify(o)}`);
      return;
    }
    g.forEach((x, i) => compareValues(x, o[i], rules, ports, `${where}[${i}]`, diffs));
    return;
  }
  if (g && typeof g === 'object') {
    const ge = 'dict' in g ? (g as { dict: [string, unknown][] }).dict : Object.entries(g);
    if (!o || typeof o !== 'object' || Array.isArray(o)) {
      diffs.push(`${where}: expected dict, got ${JSON.stringify(o)}`);
      return;
    }
    const oe = 'dict' in o ? (o as { dict: [string, unknown][] }).dict : Object.entries(o);
    const gk = ge.map(([k]) => k).filter((k) => !ignored(rules, `${where}.${k}`));
    const ok = oe.map(([k]) => k).filter((k) => !ignored(rules, `${where}.${k}`));
    if (gk.join('|') !== ok.join('|')) diffs.push(`${where}: keys [${gk.join(', ')}] vs ours [${ok.join(', ')}]`);
    const om = new Map(oe);
    for (const [k, x] of ge) if (om.has(k)) compareValues(x, om.get(k), rules, ports, `${where}.${k}`, diffs, k);
    return;
  }
  if (g !== o) diffs.push(`${where}: ${JSON.stringify(g)} vs ours ${JSON.stringify(o)}`);
}
