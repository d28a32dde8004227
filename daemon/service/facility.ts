/**
 * syslog facility names as rtpengine's --log-facility* options take them (the names of syslog(3)'s
 * LOG_* facility constants, lower case), and their codes (<syslog.h>: the facility in bits 3..9).
 */
const FACILITIES: Readonly<Record<string, number>> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};

/** The facility code shifted into place (LOG_DAEMON = 3 << 3), or undefined for an unknown name. */
export function facilityCode(name: string): number | undefined {
  const f = FACILITIES[name.toLowerCase()];
  return f === undefined ? undefined : f << 3;
}

export const FACILITY_NAMES: readonly string[] = Object.keys(FACILITIES);
