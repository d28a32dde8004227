/** Minimal SIP-phone SDP bodies for tests. */
export function phoneSdp(user: string, port: number, opts: { pts?: number[]; dir?: string; addr?: string; version?: number } = {}): string {
  const pts = opts.pts ?? [0, 8, 101];
  const names: Record<number, string> = { 0: 'PCMU/8000', 8: 'PCMA/8000', 101: 'telephone-event/8000' };
  const lines = [
    'v=0',
    `o=${user} 1000 ${opts.version ?? 1} IN IP4 ${opts.addr ?? '127.0.0.1'}`,
    's=test',
    `c=IN IP4 ${opts.addr ?? '127.0.0.1'}`,
    't=0 0',
    `m=audio ${port} RTP/AVP ${pts.join(' ')}`,
    ...pts.map((p) => `a=rtpmap:${p} ${names[p] ?? 'PCMU/8000'}`),
    `a=${opts.dir ?? 'sendrecv'}`,
  ];
  return lines.join('\r\n') + '\r\n';
}

/** The port of the first m= line. */
export function mPort(sdp: string): number {
  const m = /^m=\S+ (\d+) /m.exec(sdp);
  if (!m) throw new Error(`no m= line in ${sdp}`);
  return Number(m[1]);
}

export function cAddr(sdp: string): string {
  const m = /^c=IN IP[46] (\S+)/m.exec(sdp);
  if (!m) throw new Error('no c= line');
  return m[1]!;
}
