import { zoneFormatter } from '../routing/zone-formatter.ts';

const formatterFor = zoneFormatter('en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });

/**
 * An instant as the reader's wall clock shows it, with the zone named ("Tue 24 Nov, 14:30 CET"),
 * so a rep in Vienna and a manager in London each read a deadline in their own time.
 * An unknown zone falls back to UTC rather than failing an email.
 */
export function localTime(iso: string, timeZone = 'UTC'): string {
  const at = new Date(iso);
  try {
    return formatterFor(timeZone).format(at);
  } catch {
    return formatterFor('UTC').format(at);
  }
}
