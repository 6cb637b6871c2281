// One formatter per zone for the life of the process: building one costs tens of microseconds.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      timeZoneName: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

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
