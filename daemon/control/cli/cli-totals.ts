/**
 * `list totals` and `list counters`: the ng `statistics` figures (daemon/control/statistics.ts) as
 * rtpengine 10.5's CLI prints them, so both always agree. Layout checked byte for byte against
 * rtpengine 10.5: ` %-48s:%s` lines in sections, the graphite interval figures per ng command, the
 * per-proxy table of command counts.
 */
import type { BEncodable } from '../../../protocol/ng/bencode.js';
import { NG_COMMANDS } from '../control-stats.js';

type Dict = Map<string, BEncodable>;

/** Column titles of the control statistics table, in NG_COMMANDS order. */
const COLUMNS = [
  'Ping', 'Offer', 'Answer', 'Delete', 'Query', 'List', 'StartRec', 'StopRec', 'StartFwd', 'StopFwd', 'BlkDTMF',
  'UnblkDTMF', 'BlkMedia', 'UnblkMedia', 'PlayMedia', 'StopMedia', 'PlayDTMF', 'Stats', 'SlnMedia', 'UnslnMedia',
  'Pub', 'SubReq', 'SubAns', 'Unsub',
];

const line = (label: string, value: BEncodable | undefined): string => ` ${label.padEnd(48)}:${String(value ?? 0)}\n`;

function sub(d: Dict, key: string): Dict {
  return (d.get(key) as Dict | undefined) ?? new Map();
}

function rates(cur: Dict): string {
  let s = '';
  for (const [label, suffix] of [['userspace', '_user'], ['kernel', '_kernel'], ['total', '']] as const) {
    s += line(`Packets per second (${label})`, cur.get(`packetrate${suffix}`));
    s += line(`Bytes per second (${label})`, cur.get(`byterate${suffix}`));
    s += line(`Errors per second (${label})`, cur.get(`errorrate${suffix}`));
  }
  return s;
}

export function countersText(stats: Dict): string {
  return `\nCurrent per-second counters:\n\n${rates(sub(stats, 'currentstatistics'))}`;
}

export function totalsText(stats: Dict): string {
  const cur = sub(stats, 'currentstatistics');
  const tot = sub(stats, 'totalstatistics');
  const iv = sub(stats, 'intervalstatistics');
  const mos = sub(stats, 'mos');
  const control = sub(stats, 'controlstatistics');
  let s = '\nStatistics over currently running sessions:\n\n';
  s += line('Owned sessions', cur.get('sessionsown'));
  s += line('Foreign sessions', cur.get('sessionsforeign'));
  s += line('Total sessions', cur.get('sessionstotal'));
  s += line('Transcoded media', cur.get('transcodedmedia'));
  s += rates(cur);
  s += line('Userspace-only media streams', cur.get('media_userspace'));
  s += line('Kernel-only media streams', cur.get('media_kernel'));
  s += line('Mixed kernel/userspace media streams', cur.get('media_mixed'));

  s += '\nTotal statistics (does not include current running sessions):\n\n';
  s += line('Uptime of rtpengine', `${String(tot.get('uptime'))} seconds`);
  const totals: [string, string][] = [
    ['Total managed sessions', 'managedsessions'], ['Total rejected sessions', 'rejectedsessions'],
    ['Total timed-out sessions via TIMEOUT', 'timeoutsessions'],
    ['Total timed-out sessions via SILENT_TIMEOUT', 'silenttimeoutsessions'],
    ['Total timed-out sessions via FINAL_TIMEOUT', 'finaltimeoutsessions'],
    ['Total timed-out sessions via OFFER_TIMEOUT', 'offertimeoutsessions'],
    ['Total regular terminated sessions', 'regularterminatedsessions'],
    ['Total forced terminated sessions', 'forcedterminatedsessions'],
    ['Total relayed packets (userspace)', 'relayedpackets_user'], ['Total relayed packet errors (userspace)', 'relayedpacketerrors_user'],
    ['Total relayed bytes (userspace)', 'relayedbytes_user'],
    ['Total relayed packets (kernel)', 'relayedpackets_kernel'], ['Total relayed packet errors (kernel)', 'relayedpacketerrors_kernel'],
    ['Total relayed bytes (kernel)', 'relayedbytes_kernel'],
    ['Total relayed packets', 'relayedpackets'], ['Total relayed packet errors', 'relayedpacketerrors'],
    ['Total relayed bytes', 'relayedbytes'],
    ['Total number of streams with no relayed packets', 'zerowaystreams'], ['Total number of 1-way streams', 'onewaystreams'],
  ];
  for (const [label, key] of totals) s += line(label, tot.get(key));
  s += line('Average call duration', `${String(tot.get('avgcallduration'))} seconds`);
  s += line('Total calls duration', `${String(tot.get('totalcallsduration'))} seconds`);
  s += line('Total calls duration squared', `${String(tot.get('totalcallsduration2'))} seconds squared`);
  s += line('Total calls duration standard deviation', `${String(tot.get('totalcallsduration_stddev'))} seconds`);

  s += '\n\nGraphite interval statistics (last reported values to graphite):\n';
  s += line('Total calls duration', `${String(iv.get('totalcallsduration'))} seconds`);
  s += '\n';
  s += line('Min managed sessions', iv.get('minmanagedsessions'));
  s += line('Max managed sessions', iv.get('maxmanagedsessions'));
  const triple = (cmd: string, what: string): string =>
    ['min', 'max', 'avg'].map((p) => String(iv.get(`${p}${cmd}${what}`) ?? 0)).join('/');
  for (const [cmd] of NG_COMMANDS) s += line(`Min/Max/Avg ${cmd} processing delay`, `${triple(cmd, 'delay')} sec`);
  for (const [cmd] of NG_COMMANDS) s += line(`Min/Max/Avg ${cmd} requests per second`, `${triple(cmd, 'requestrate')} per sec`);

  s += '\n\nMOS statistics:\n\n';
  s += line('Sum of all MOS values sampled', mos.get('mos_total'));
  s += line('Sum of all MOS square values sampled', mos.get('mos2_total'));
  s += line('Total number of MOS samples', mos.get('mos_samples_total'));
  s += line('Average MOS', mos.get('mos_average'));
  s += line('MOS standard deviation', mos.get('mos_stddev'));

  s += '\n\nControl statistics:\n\n';
  s += ` ${'Proxy'.padStart(20)} |${COLUMNS.map((c) => ` ${c.padStart(10)} `).join('|')}\n`;
  for (const p of (control.get('proxies') as Dict[] | undefined) ?? []) {
    const counts = NG_COMMANDS.map(([, short]) => ` ${String(p.get(`${short}count`) ?? 0).padStart(10)} `);
    s += ` ${String(p.get('proxy')).padStart(20)} |${counts.join('|')}\n`;
  }
  return `${s}\n\n\n\n`;
}
