/**
 * Debian's `rtpengine-ng-client` (package rtpengine-utils, the reference implementation's own test
 * client) drives offer / answer / query / delete against the daemon. .ci/run installs the package.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon-process.js';

const run = promisify(execFile);
const CLIENT = '/usr/bin/rtpengine-ng-client';

let d: DaemonHandle;
beforeAll(async () => { d = await startDaemon(); });
afterAll(async () => { await d.close(); });

async function ngClient(...args: string[]): Promise<string> {
  const { stdout } = await run(CLIENT, [`--proxy-port=${d.ngPort}`, ...args], { timeout: 10000 });
  return stdout;
}

/** The "New SDP" block the client prints. */
function newSdp(out: string): string {
  const m = /New SDP:\n-+8<[-8<]*\n([\s\S]*?)\n-+>8/.exec(out);
  if (!m) throw new Error(`no new SDP in:\n${out}`);
  return m[1]!;
}

describe('rtpengine-ng-client (rtpengine-utils)', () => {
  it('offer, answer, query, delete', async () => {
    const offerSdp = 'v=0\no=alice 1 2 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 3456 RTP/AVP 0 8\n';
    const offer = newSdp(await ngClient('offer', '--trust-address', '--replace-origin', '--from-tag=ft1', '--call-id=ngc-1', `--sdp=${offerSdp}`));
    const offerPort = Number(/^m=audio (\d+) RTP\/AVP 0 8$/m.exec(offer)?.[1]);
    expect(offerPort).toBeGreaterThanOrEqual(d.portMin);
    expect(offer).toContain('a=rtpmap:8 PCMA/8000');
    expect(offer).toContain(`a=rtcp:${offerPort + 1}`);

    const answerSdp = 'v=0\no=bob 1 2 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 4567 RTP/AVP 8\n';
    const answer = newSdp(await ngClient('answer', '--trust-address', '--from-tag=ft1', '--to-tag=tt1', '--call-id=ngc-1', `--sdp=${answerSdp}`));
    const answerPort = Number(/^m=audio (\d+) RTP\/AVP 8$/m.exec(answer)?.[1]);
    expect(answerPort).toBeGreaterThanOrEqual(d.portMin);
    expect(answerPort).not.toBe(offerPort);

    const query = await ngClient('query', '--call-id=ngc-1');
    expect(query).toMatch(/^ {4}ft1 => \{/m);
    expect(query).toMatch(/^ {4}tt1 => \{/m);
    expect(query).toContain(`'local port' => '${answerPort}'`);
    expect(query).toMatch(/totals => \{/);

    const del = await ngClient('delete', '--call-id=ngc-1', '--from-tag=ft1', '--delete-delay=0');
    expect(del).toContain('totals');
    // The client dies on an error reply, printing rtpengine's reason.
    const gone = await run(CLIENT, [`--proxy-port=${d.ngPort}`, 'query', '--call-id=ngc-1']).then(
      (r) => r.stdout + r.stderr,
      (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
    expect(gone).toContain('Unknown call-id');
  });
});
