#!/usr/bin/env node
// Minimal ng-protocol client for the e2e harness (no dependencies).
//
//   node test/e2e/ng.mjs HOST:PORT '<json dict>' [timeout_ms] [tries]
//
// Encodes the JSON object as a bencoded dictionary (strings -> byte strings,
// integers -> i..e, arrays -> lists, objects -> dicts, key order kept), sends
// "<cookie> <bencode>" over UDP, waits for the reply carrying the same cookie,
// and prints the decoded reply as one line of JSON. Exit status: 0 on a reply,
// 2 on timeout (after `tries` attempts), 1 on usage or decode errors.

import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';

export function bencode(v) {
  if (typeof v === 'string' || Buffer.isBuffer(v)) {
    const b = Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8');
    return Buffer.concat([Buffer.from(`${b.length}:`), b]);
  }
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (typeof v === 'number' && !Number.isInteger(v)) throw new Error(`not an integer: ${v}`);
    return Buffer.from(`i${v}e`);
  }
  if (typeof v === 'boolean') return Buffer.from(`i${v ? 1 : 0}e`);
  if (Array.isArray(v)) return Buffer.concat([Buffer.from('l'), ...v.map(bencode), Buffer.from('e')]);
  if (v && typeof v === 'object') {
    const parts = [Buffer.from('d')];
    for (const [k, val] of Object.entries(v)) parts.push(bencode(k), bencode(val));
    parts.push(Buffer.from('e'));
    return Buffer.concat(parts);
  }
  throw new Error(`cannot bencode ${typeof v}`);
}

export function bdecode(buf) {
  let i = 0;
  const num = (end) => {
    const j = buf.indexOf(end, i);
    if (j < 0) throw new Error(`bencode: unterminated number at ${i}`);
    const s = buf.toString('latin1', i, j);
    if (!/^-?\d+$/.test(s)) throw new Error(`bencode: bad number '${s}' at ${i}`);
    i = j + 1;
    return Number(s);
  };
  const item = () => {
    if (i >= buf.length) throw new Error('bencode: truncated');
    const c = buf[i];
    if (c === 0x64 /* d */) {
      i++;
      const o = {};
      while (i < buf.length && buf[i] !== 0x65) {
        const k = item();
        o[String(k)] = item();
      }
      i++;
      return o;
    }
    if (c === 0x6c /* l */) {
      i++;
      const a = [];
      while (i < buf.length && buf[i] !== 0x65) a.push(item());
      i++;
      return a;
    }
    if (c === 0x69 /* i */) {
      i++;
      return num(0x65);
    }
    if (c >= 0x30 && c <= 0x39) {
      const len = num(0x3a);
      if (i + len > buf.length) throw new Error('bencode: string past end');
      const s = buf.toString('utf8', i, i + len);
      i += len;
      return s;
    }
    throw new Error(`bencode: unexpected byte 0x${c.toString(16)} at ${i}`);
  };
  return item();
}

export function ngRequest(host, port, dict, { timeoutMs = 1000, tries = 3 } = {}) {
  const cookie = `e2e_${process.pid}_${randomBytes(4).toString('hex')}`;
  const msg = Buffer.concat([Buffer.from(cookie + ' '), bencode(dict)]);
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    let attempt = 0;
    let timer;
    const done = (err, val) => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(val);
    };
    const send = () => {
      attempt++;
      sock.send(msg, port, host, (err) => {
        if (err) done(err);
      });
      timer = setTimeout(() => {
        if (attempt >= tries) {
          const e = new Error(`no ng reply from ${host}:${port} after ${tries} x ${timeoutMs} ms`);
          e.code = 'ETIMEDOUT';
          done(e);
        } else send();
      }, timeoutMs);
    };
    sock.on('error', (err) => done(err));
    sock.on('message', (buf) => {
      const sp = buf.indexOf(0x20);
      if (sp < 0 || buf.toString('latin1', 0, sp) !== cookie) return; // not ours
      try {
        done(null, bdecode(buf.subarray(sp + 1)));
      } catch (e) {
        done(e);
      }
    });
    sock.bind(0, '127.0.0.1', send);
  });
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const [addr, json, timeoutArg, triesArg] = process.argv.slice(2);
  const m = /^(.+):(\d+)$/.exec(addr ?? '');
  if (!m || !json) {
    console.error("usage: node ng.mjs HOST:PORT '<json dict>' [timeout_ms] [tries]");
    process.exit(1);
  }
  try {
    const reply = await ngRequest(m[1], Number(m[2]), JSON.parse(json), {
      timeoutMs: Number(timeoutArg ?? 1000),
      tries: Number(triesArg ?? 3),
    });
    console.log(JSON.stringify(reply));
  } catch (e) {
    console.error(`ng.mjs: ${e.message}`);
    process.exit(e.code === 'ETIMEDOUT' ? 2 : 1);
  }
}
