/**
 * ng control client for the bench: bencoded requests over UDP with a cookie, replies matched by
 * cookie, retransmission of the same datagram on timeout (the daemon's cookie cache answers a
 * repeat without re-running it), and the reply latency of every request.
 */
import * as dgram from 'node:dgram';
import { bdecode, bencode, type BValue } from './bencode.js';

export type NgDict = { [key: string]: BValue };

export interface NgReply {
  dict: NgDict;
  /** Milliseconds from the first send to the reply. */
  ms: number;
  retries: number;
}

interface Pending {
  resolve: (r: NgReply) => void;
  reject: (e: Error) => void;
  t0: bigint;
  msg: Buffer;
  tries: number;
  timer: NodeJS.Timeout;
}

export class NgClient {
  private readonly sock: dgram.Socket;
  private readonly pending = new Map<string, Pending>();
  private seq = 0;
  private readonly prefix = `b${process.pid.toString(36)}${Date.now().toString(36)}`;
  retransmits = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs = 1000,
    private readonly maxTries = 4,
  ) {
    this.sock = dgram.createSocket('udp4');
    this.sock.on('message', (m) => this.onMessage(m));
    this.sock.on('error', () => { /* ICMP unreachable while the daemon starts: the timer retries */ });
  }

  async open(): Promise<void> {
    await new Promise<void>((resolve) => this.sock.bind({ address: '127.0.0.1', port: 0 }, resolve));
    this.sock.setRecvBufferSize(4 << 20);
    this.sock.setSendBufferSize(4 << 20);
  }

  close(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('ng client closed'));
    }
    this.pending.clear();
    this.sock.close();
  }

  get inFlight(): number {
    return this.pending.size;
  }

  private onMessage(m: Buffer): void {
    const sp = m.indexOf(0x20);
    if (sp <= 0) return;
    const cookie = m.toString('latin1', 0, sp);
    const p = this.pending.get(cookie);
    if (!p) return;
    this.pending.delete(cookie);
    clearTimeout(p.timer);
    let dict: BValue;
    try {
      dict = bdecode(m, sp + 1);
    } catch (e) {
      p.reject(e as Error);
      return;
    }
    if (typeof dict !== 'object' || Array.isArray(dict)) {
      p.reject(new Error('ng reply is not a dictionary'));
      return;
    }
    p.resolve({ dict, ms: Number(process.hrtime.bigint() - p.t0) / 1e6, retries: p.tries - 1 });
  }

  request(dict: NgDict, timeoutMs = this.timeoutMs): Promise<NgReply> {
    const cookie = `${this.prefix}_${++this.seq}`;
    const msg = Buffer.concat([Buffer.from(`${cookie} `, 'latin1'), bencode(dict)]);
    return new Promise<NgReply>((resolve, reject) => {
      const p: Pending = { resolve, reject, t0: process.hrtime.bigint(), msg, tries: 0, timer: undefined as unknown as NodeJS.Timeout };
      const send = (): void => {
        if (p.tries >= this.maxTries) {
          this.pending.delete(cookie);
          reject(new Error(`ng ${String(dict['command'])}: no reply after ${p.tries} tries`));
          return;
        }
        if (p.tries > 0) this.retransmits++;
        p.tries++;
        this.sock.send(msg, this.port, this.host);
        p.timer = setTimeout(send, timeoutMs);
      };
      this.pending.set(cookie, p);
      send();
    });
  }

  /** Pings until the daemon answers or the deadline passes. */
  async waitReady(deadlineMs: number): Promise<boolean> {
    const end = Date.now() + deadlineMs;
    while (Date.now() < end) {
      try {
        const r = await this.request({ command: 'ping' }, 300);
        if (r.dict['result'] === 'pong') return true;
      } catch { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }
}

/** An SDP offer/answer body for one call side: PCMU, 20 ms, sendrecv. */
export function sdpFor(ip: string, port: number, sessId: number): string {
  return [
    'v=0',
    `o=- ${sessId} 1 IN IP4 ${ip}`,
    's=rtpengine-ts bench',
    `c=IN IP4 ${ip}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

/** The media address the daemon put into a rewritten SDP (first audio m= line). */
export function mediaOf(sdp: string): { ip: string; port: number } {
  const c = /^c=IN IP[46] (\S+)/m.exec(sdp);
  const m = /^m=audio (\d+) /m.exec(sdp);
  if (!c || !m) throw new Error('no c=/m=audio in the reply SDP');
  return { ip: c[1]!, port: Number(m[1]) };
}

function check(r: NgReply, what: string): NgDict {
  if (r.dict['result'] !== 'ok') {
    throw new Error(`${what}: ${String(r.dict['result'])} ${String(r.dict['error-reason'] ?? '')}`);
  }
  return r.dict;
}

export interface CallPorts {
  /** Where side A sends (relay's port in the answer reply). */
  relayForA: number;
  /** Where side B sends (relay's port in the offer reply). */
  relayForB: number;
  offerMs: number;
  answerMs: number;
  /** SDES calls: the relay's key||salt to B (base64, from its a=crypto line of B's suite). */
  relayKeyB64?: string;
}

/**
 * An SDES-SRTP call (RFC 4568): A offers plain RTP/AVP with "transport-protocol": "RTP/SAVP", so the
 * relay offers B RTP/SAVP with its a=crypto lines; B answers RTP/SAVP with one a=crypto line of
 * `suite` (the relay's tag) carrying B's own key `bKeyB64`. The relay's key to B is returned.
 */
export async function setupSrtpCall(
  ng: NgClient, callId: string, ip: string, portA: number, portB: number, n: number, suite: string, bKeyB64: string,
): Promise<CallPorts> {
  const offer = await ng.request({
    command: 'offer', 'call-id': callId, 'from-tag': `${callId}-a`, sdp: sdpFor(ip, portA, 2 * n + 1),
    'transport-protocol': 'RTP/SAVP',
  });
  const o = check(offer, 'offer');
  const osdp = String(o['sdp']);
  const line = new RegExp(`^a=crypto:(\\d+) ${suite} inline:([A-Za-z0-9+/=]+)`, 'm').exec(osdp);
  if (!line) throw new Error(`offer to B has no a=crypto line with ${suite}`);
  const bSdp = sdpFor(ip, portB, 2 * n + 2).replace(' RTP/AVP 0', ' RTP/SAVP 0') + `a=crypto:${line[1]} ${suite} inline:${bKeyB64}\r\n`;
  const answer = await ng.request({
    command: 'answer', 'call-id': callId, 'from-tag': `${callId}-a`, 'to-tag': `${callId}-b`, sdp: bSdp,
  });
  const a = check(answer, 'answer');
  return {
    relayForB: mediaOf(osdp).port,
    relayForA: mediaOf(String(a['sdp'])).port,
    offerMs: offer.ms,
    answerMs: answer.ms,
    relayKeyB64: line[2]!,
  };
}

export async function setupCall(ng: NgClient, callId: string, ip: string, portA: number, portB: number, n: number): Promise<CallPorts> {
  const offer = await ng.request({
    command: 'offer', 'call-id': callId, 'from-tag': `${callId}-a`, sdp: sdpFor(ip, portA, 2 * n + 1),
  });
  const o = check(offer, 'offer');
  const answer = await ng.request({
    command: 'answer', 'call-id': callId, 'from-tag': `${callId}-a`, 'to-tag': `${callId}-b`, sdp: sdpFor(ip, portB, 2 * n + 2),
  });
  const a = check(answer, 'answer');
  return {
    relayForB: mediaOf(String(o['sdp'])).port,
    relayForA: mediaOf(String(a['sdp'])).port,
    offerMs: offer.ms,
    answerMs: answer.ms,
  };
}

export async function deleteCall(ng: NgClient, callId: string): Promise<NgReply> {
  return ng.request({ command: 'delete', 'call-id': callId, 'from-tag': `${callId}-a` });
}

/** Runs job(0..count-1) with at most `window` running at once; resolves to the results in order. */
export async function pool<T>(count: number, window: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      out[i] = await job(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, worker));
  return out;
}
