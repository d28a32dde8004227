/**
 * The CLI command table (rtpengine 10.5's `rtpengine-ctl` language): one text command in, the reply
 * text out. Shared by the `--listen-cli` TCP listener and HTTP `/cli/`.
 */
import { callCommand } from './cli-call.js';
import type { CliContext } from './cli-context.js';
import { debug } from './cli-debug.js';
import { ksadd, kslist, ksrm } from './cli-keyspace.js';
import { LIST_TABLE } from './cli-list.js';
import { params } from './cli-params.js';
import { SET_TABLE } from './cli-set.js';
import { active, standby, terminate } from './cli-terminate.js';
import { dispatch, level, type CliTable } from './words.js';

const TOP_TABLE: CliTable = [
  ['list', level(LIST_TABLE)],
  ['terminate', terminate],
  ['set', level(SET_TABLE)],
  ['get', level(LIST_TABLE)],
  ['params', params],
  ['ksadd', ksadd],
  ['ksrm', ksrm],
  ['kslist', kslist],
  ['active', active],
  ['standby', standby],
  ['debug', debug],
  ['call', callCommand],
];

export async function runCliCommand(line: string, c: CliContext): Promise<string> {
  return dispatch(TOP_TABLE, line, c);
}
