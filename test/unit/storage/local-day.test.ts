import { describe, expect, it } from 'vitest';
import { isValidTimeZone, localDay } from '../../../src/storage/local-day';

const SHANGHAI = 'Asia/Shanghai';

describe('localDay', () => {
  it('starts the day at local midnight in Asia/Shanghai (UTC+8), not at UTC midnight', () => {
    // 2024-01-10 23:59 and 2024-01-11 00:01 in Shanghai.
    const before = Date.UTC(2024, 0, 10, 15, 59);
    const after = Date.UTC(2024, 0, 10, 16, 1);
    expect(localDay(before, SHANGHAI)).toBe('20240110');
    expect(localDay(after, SHANGHAI)).toBe('20240111');
    // Both instants are on the same UTC day: only the local boundary separates them.
    expect(localDay(before, 'UTC')).toBe('20240110');
    expect(localDay(after, 'UTC')).toBe('20240110');
  });

  it('puts 00:30 in Shanghai on the new local day while UTC is still on the previous one', () => {
    const halfPastMidnight = Date.UTC(2024, 0, 10, 16, 30); // 2024-01-11 00:30 +08:00
    expect(localDay(halfPastMidnight, SHANGHAI)).toBe('20240111');
    expect(localDay(halfPastMidnight, 'UTC')).toBe('20240110');
  });

  it('keeps 07:59 Shanghai (still yesterday in UTC) and 08:00 on the same local day', () => {
    expect(localDay(Date.UTC(2024, 0, 10, 23, 59), SHANGHAI)).toBe('20240111');
    expect(localDay(Date.UTC(2024, 0, 11, 0, 0), SHANGHAI)).toBe('20240111');
  });

  it('follows daylight saving time in zones that have it', () => {
    // New York is UTC-4 in July: 03:59 UTC is 23:59 the day before, 04:00 UTC is midnight.
    expect(localDay(Date.UTC(2024, 6, 5, 3, 59), 'America/New_York')).toBe('20240704');
    expect(localDay(Date.UTC(2024, 6, 5, 4, 0), 'America/New_York')).toBe('20240705');
    // In January it is UTC-5.
    expect(localDay(Date.UTC(2024, 0, 5, 4, 59), 'America/New_York')).toBe('20240104');
    expect(localDay(Date.UTC(2024, 0, 5, 5, 0), 'America/New_York')).toBe('20240105');
  });

  it('crosses month and year ends with zero-padded digits', () => {
    expect(localDay(Date.UTC(2023, 11, 31, 16, 0), SHANGHAI)).toBe('20240101');
    expect(localDay(Date.UTC(2024, 1, 28, 16, 0), SHANGHAI)).toBe('20240229');
    expect(localDay(Date.UTC(2024, 8, 5, 1, 0), 'UTC')).toBe('20240905');
  });

  it.each(['Mars/Olympus_Mons', 'Asia/Shang hai', '', '   '])('throws RangeError for zone %j', (zone) => {
    expect(() => localDay(Date.UTC(2024, 0, 1), zone)).toThrow(RangeError);
  });

  it('throws RangeError for a time that is not a number', () => {
    expect(() => localDay(Number.NaN, SHANGHAI)).toThrow(RangeError);
  });
});

describe('isValidTimeZone', () => {
  it.each(['Asia/Shanghai', 'UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'])(
    'accepts %s',
    (zone) => {
      expect(isValidTimeZone(zone)).toBe(true);
    },
  );

  it.each(['Mars/Olympus_Mons', 'Shanghai', '', 'Asia/Shanghai; rm -rf /'])('rejects %j', (zone) => {
    expect(isValidTimeZone(zone)).toBe(false);
  });
});
