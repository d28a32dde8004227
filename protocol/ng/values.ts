/**
 * Typed reads from a decoded ng dictionary, with rtpengine's consumer-side type rules (spec §1.2):
 * a value of the wrong type counts as absent; numeric options take an integer or a decimal string.
 */
import type { BDict, BValue } from './bencode.js';

/** First present alias whose value is a byte string, as a latin1 (byte-exact) JS string. */
export function getStr(d: BDict, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = d.get(k);
    if (Buffer.isBuffer(v)) return v.toString('latin1');
  }
  return undefined;
}

export function getBuf(d: BDict, ...keys: string[]): Buffer | undefined {
  for (const k of keys) {
    const v = d.get(k);
    if (Buffer.isBuffer(v)) return v;
  }
  return undefined;
}

/** Integer or decimal string (Kamailio sends many numbers as strings). */
export function getInt(d: BDict, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = d.get(k);
    if (typeof v === 'number') return v;
    if (Buffer.isBuffer(v)) {
      const s = v.toString('latin1').trim();
      if (/^-?\d+$/.test(s)) return Number(s);
    }
  }
  return undefined;
}

/** List of strings; non-string members are skipped. A non-list value counts as absent. */
export function getStrList(d: BDict, ...keys: string[]): string[] | undefined {
  for (const k of keys) {
    const v = d.get(k);
    if (Array.isArray(v)) return v.filter((x): x is Buffer => Buffer.isBuffer(x)).map((x) => x.toString('latin1'));
  }
  return undefined;
}

export function getDict(d: BDict, ...keys: string[]): BDict | undefined {
  for (const k of keys) {
    const v = d.get(k);
    if (v instanceof Map) return v;
  }
  return undefined;
}

export function isDict(v: BValue | undefined): v is BDict {
  return v instanceof Map;
}
