const formatters = new Map<string, Intl.DateTimeFormat>();
// A message asks for the day several times within the same minute; zone offsets are whole minutes, so a day
// never changes inside one. The last answer per zone is kept.
const lastDays = new Map<string, { minute: number; day: string }>();
const MINUTE_MS = 60_000;

/** A day folder's name, as localDay and formatUtcDay make it: yyyymmdd. */
export const DAY_FOLDER = /^\d{8}$/;

/** Whether `timeZone` is an IANA time zone this runtime knows (e.g. 'Asia/Shanghai', 'UTC'). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The calendar day of `ms` in `timeZone` as `yyyymmdd`; throws RangeError for an unknown zone or an invalid time. */
export function localDay(ms: number, timeZone: string): string {
  const minute = Math.floor(ms / MINUTE_MS);
  const last = lastDays.get(timeZone);
  if (last?.minute === minute) return last.day;
  const parts = formatterFor(timeZone).formatToParts(ms);
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((candidate) => candidate.type === type)?.value ?? '';
  const day = `${part('year').padStart(4, '0')}${part('month')}${part('day')}`;
  lastDays.set(timeZone, { minute, day });
  return day;
}

// Building a DateTimeFormat costs far more than formatting with one, and this runs on every message.
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    // An empty string would silently mean the runtime's own zone (UTC on FC), which is never what was meant.
    if (timeZone.trim() === '') throw new RangeError('time zone must not be empty');
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The UTC day of `ms` as `yyyymmdd`. */
export function formatUtcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
}
