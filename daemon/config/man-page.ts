// docs/rtpengine-ts.8: the man page, generated from the option table (`npm run man` writes it; the
// unit test test/unit/man-page.test.ts fails when the checked-in page is not what this renders).
// roff(7) / man(7) macros only: .TH .SH .TP .B .I .PP .nf/.fi.

import { OPTION_TABLE, type OptionDef } from './option-table.js';

/** Text for a roff line: backslashes as \e, hyphens as \- (so they copy as ASCII), no leading control char. */
function esc(s: string): string {
  const t = s.replace(/\\/g, '\\e').replace(/-/g, '\\-');
  return /^[.']/.test(t) ? `\\&${t}` : t;
}

function optionTag(d: OptionDef): string {
  const short = d.short !== undefined ? `\\fB\\-${d.short}\\fR, ` : '';
  const meta = d.metavar !== undefined ? `=\\fI${esc(d.metavar)}\\fR` : d.kind === 'bool' ? '' : '=\\fIVALUE\\fR';
  return `${short}\\fB\\-\\-${esc(d.long)}\\fR${meta}`;
}

export function renderManPage(version: string): string {
  const implemented = OPTION_TABLE.filter((d) => d.implemented === true);
  const compat = OPTION_TABLE.filter((d) => d.implemented !== true);
  const lines: string[] = [
    '.\\" Generated from daemon/config/option-table.ts by `npm run man`; do not edit.',
    `.TH RTPENGINE\\-TS 8 "" "${esc(version)}" "System Administration"`,
    '.SH NAME',
    'rtpengine\\-ts \\- media proxy compatible with sipwise rtpengine\'s ng control protocol',
    '.SH SYNOPSIS',
    '.B rtpengine\\-ts',
    '[\\fIOPTION\\fR...]',
    '.SH DESCRIPTION',
    '.B rtpengine\\-ts',
    'is a drop\\-in replacement for rtpengine 10.5 written in TypeScript: it answers the ng control',
    'protocol (bencode over UDP), rewrites SDP, and relays RTP/RTCP (with SRTP, DTLS, ICE and',
    'transcoding) in worker threads. It takes rtpengine\'s command\\-line options and the',
    '.B [rtpengine]',
    'section of its ini config file.',
    '.PP',
    'Options marked',
    '.I "(no effect)"',
    'below are rtpengine\'s: they are accepted on the command line and in the config file so that',
    'existing configurations start unchanged, but rtpengine\\-ts does not act on them.',
    '.B \\-\\-help',
    'prints the same list.',
    '.SH OPTIONS',
    '.TP',
    '\\fB\\-h\\fR, \\fB\\-\\-help\\fR',
    'Show help options and exit.',
  ];
  for (const d of OPTION_TABLE) {
    lines.push('.TP', optionTag(d), esc(d.help) + (d.implemented === true ? '' : ' \\fI(no effect)\\fR'));
    if (d.kind === 'list') lines.push('May be given more than once.');
  }
  lines.push(
    '.SH FILES',
    '.TP',
    '.I /etc/rtpengine/rtpengine.conf',
    'Default config file (as rtpengine\'s; skipped when it does not exist);',
    '.B \\-\\-config\\-file=none',
    'reads none.',
    '.SH ENVIRONMENT',
    '.TP',
    '.B RTPENGINE_TS_IO',
    '.B dgram',
    'forces node:dgram media I/O;',
    '.B batch',
    'asks for the native recvmmsg/sendmmsg addon (the default when it is built).',
    '.TP',
    '.B RTPENGINE_TS_SRTP',
    '.B js',
    'uses the JavaScript SRTP primitives instead of the native ones.',
    '.SH EXAMPLES',
    'Start on loopback in the foreground, logging to stderr:',
    '.PP',
    '.nf',
    'rtpengine\\-ts \\-\\-config\\-file=none \\-i 127.0.0.1 \\-n 127.0.0.1:2223 \\-f \\-E',
    '.fi',
    '.SH NOTES',
    `${implemented.length} of the ${OPTION_TABLE.length} options take effect; ${compat.length} are accepted for compatibility only.`,
    '.SH SEE ALSO',
    '.BR rtpengine (8),',
    '.BR rtpengine\\-ctl (8)',
    '',
  );
  return lines.join('\n');
}
