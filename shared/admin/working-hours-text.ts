import { Weekdays, type Weekday, type WorkingHours } from '../routing/working-hours.ts';

/**
 * Working hours as one line of text, for a spreadsheet cell or a quick JSON import:
 * `mon-fri 09:00-17:30; sat 10:00-14:00`. Entries are separated by `;` or `|`; each names a day
 * or a range of days (`fri-mon` wraps over the weekend) and one or more shifts separated by
 * spaces (`mon-fri 08:00-12:00 13:00-17:00`). Days not named are days off. A day named twice
 * gets the shifts of both entries. The shifts themselves are checked by `WorkingHoursSchema`.
 */
export const WORKING_HOURS_TEXT_EXAMPLE = 'mon-fri 09:00-17:30; sat 10:00-14:00';

export type WorkingHoursText = { readonly ok: true; readonly hours: WorkingHours } | { readonly ok: false; readonly message: string };

const SHIFT = /^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$/;

const dayNames = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
/** `mon` or `Monday`, in any case. */
const dayOf = (name: string): Weekday | undefined => {
  const lower = name.toLowerCase();
  return Weekdays.find((day, i) => lower === day || lower === dayNames[i]);
};

export function parseWorkingHoursText(text: string): WorkingHoursText {
  const hours: Partial<Record<Weekday, [string, string][]>> = {};
  const entries = text
    .split(/[;|]/)
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return { ok: false, message: `no hours given; write e.g. "${WORKING_HOURS_TEXT_EXAMPLE}"` };
  for (const entry of entries) {
    const [daySpec = '', ...shiftSpecs] = entry.split(/\s+/);
    const days = daysOf(daySpec);
    if (!days) return { ok: false, message: `"${daySpec}" is not a day or a range of days such as mon-fri` };
    if (shiftSpecs.length === 0) return { ok: false, message: `"${entry}" has no shift; write e.g. "${daySpec} 09:00-17:00"` };
    const shifts: [string, string][] = [];
    for (const spec of shiftSpecs) {
      const match = SHIFT.exec(spec);
      if (!match) return { ok: false, message: `"${spec}" is not a shift such as 09:00-17:30` };
      shifts.push([match[1]!.padStart(5, '0'), match[2]!.padStart(5, '0')]);
    }
    for (const day of days) hours[day] = [...(hours[day] ?? []), ...shifts];
  }
  return { ok: true, hours };
}

function daysOf(spec: string): Weekday[] | undefined {
  const [from, to, ...rest] = spec.split('-');
  if (rest.length > 0 || from === undefined) return undefined;
  const first = dayOf(from);
  if (!first) return undefined;
  if (to === undefined) return [first];
  const last = dayOf(to);
  if (!last) return undefined;
  const days: Weekday[] = [];
  for (let i = Weekdays.indexOf(first); ; i = (i + 1) % Weekdays.length) {
    days.push(Weekdays[i]!);
    if (Weekdays[i] === last) return days;
  }
}
