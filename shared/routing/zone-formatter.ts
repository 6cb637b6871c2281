/**
 * A date format as a function of the time zone, each zone's formatter built once for the life
 * of the process: building an Intl.DateTimeFormat costs tens of microseconds, which ranking
 * thousands of reps or rendering a page of deadlines would otherwise pay again and again.
 * An unknown zone throws RangeError (and nothing is kept for it).
 */
export function zoneFormatter(locale: string, options: Omit<Intl.DateTimeFormatOptions, 'timeZone'>): (timeZone: string) => Intl.DateTimeFormat {
  const byZone = new Map<string, Intl.DateTimeFormat>();
  return (timeZone) => {
    let formatter = byZone.get(timeZone);
    if (formatter === undefined) {
      formatter = new Intl.DateTimeFormat(locale, { ...options, timeZone });
      byZone.set(timeZone, formatter);
    }
    return formatter;
  };
}
