/**
 * How emails write an instant (§5): in the desk's time zone, which is the SLA calendar's (§11), or
 * UTC while the SLA calendar is the built-in 24/7. Pure.
 *
 * One style everywhere in emails: `2026-12-05 13:43 Europe/Berlin (UTC+01:00)`: the local date and
 * time to the minute (seconds cut, as before), the zone's IANA name, and its offset at that instant.
 * The name says where, the offset makes the time exact for any reader, in the hour a fall-back
 * repeats too (02:30 (UTC+02:00), then 02:30 (UTC+01:00)); abbreviations such as CST or IST are
 * never used, they mean several zones. A UTC desk reads `2026-12-05 12:43 UTC`.
 */
import { DateTime } from 'luxon';
import type { SlaCalendar } from './calendar.js';

/** The zone of a desk whose SLA calendar is 24/7. */
export const DESK_ZONE_24_7 = 'UTC';

/** The zone emails write times in, given the SLA calendar of the settings (null: 24/7). */
export function deskZone(calendar: SlaCalendar): string {
  return calendar?.timeZone ?? DESK_ZONE_24_7;
}

/**
 * `ms` as emails write it in `zone`. A zone this runtime does not know (a calendar saved under
 * another runtime's zone list) is written in UTC, named so, rather than as a wrong local time.
 */
export function formatMailTime(ms: number, zone: string): string {
  const local = DateTime.fromMillis(ms, { zone });
  if (!local.isValid || zone === DESK_ZONE_24_7) return `${DateTime.fromMillis(ms, { zone: 'utc' }).toFormat('yyyy-MM-dd HH:mm')} UTC`;
  return `${local.toFormat('yyyy-MM-dd HH:mm')} ${zone} (UTC${local.toFormat('ZZ')})`;
}
