import { opensElement, xmlAttribute, xmlTokens } from './xml-tokens';

/** Spreadsheets store dates as day numbers: a cell's style says whether its number is one. */
export interface DateStyles {
  /** The cell's number as an ISO date and/or time when its style is a date format; undefined otherwise. */
  format(style: string, value: string): string | undefined;
}

// Built-in number formats that are dates or times, the East Asian ones (27-36, 50-58) included.
const BUILT_IN_DATE_FORMATS = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54,
  55, 56, 57, 58,
]);

export function readDateStyles(stylesXml: string | undefined, uses1904: boolean): DateStyles {
  const customDateFormats = new Set<number>();
  const cellFormats: number[] = [];
  let inCellFormats = false;
  for (const token of xmlTokens(stylesXml ?? '')) {
    if (token.kind === 'text') continue;
    if (token.name === 'cellXfs') inCellFormats = opensElement(token);
    else if (token.kind !== 'open') continue;
    else if (
      token.name === 'numFmt' &&
      isDateFormatCode(xmlAttribute(token.attributes, 'formatCode') ?? '')
    ) {
      customDateFormats.add(Number(xmlAttribute(token.attributes, 'numFmtId')));
    } else if (token.name === 'xf' && inCellFormats) {
      cellFormats.push(Number(xmlAttribute(token.attributes, 'numFmtId') ?? 0));
    }
  }
  return {
    format(style, value) {
      const formatId = cellFormats[Number(style || 0)];
      if (
        formatId === undefined ||
        !(BUILT_IN_DATE_FORMATS.has(formatId) || customDateFormats.has(formatId))
      ) {
        return undefined;
      }
      const serial = Number(value);
      return Number.isFinite(serial) && serial >= 0 ? formatSerial(serial, uses1904) : undefined;
    },
  };
}

/** A format code is a date or time when, outside quoted text, escapes and [colour]/[locale] tags, it has y m d h s. */
function isDateFormatCode(code: string): boolean {
  const bare = code.replace(/"[^"]*"|\\.|\[(?![hms]+\])[^\]]*\]/gi, '');
  return /[ymdhs]/i.test(bare);
}

function formatSerial(serial: number, uses1904: boolean): string {
  // Day 0 is 1904-01-01 or 1899-12-31; the 1900 system counts a 29 February 1900 that never was, at day 60.
  const epoch = uses1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, serial >= 61 ? 30 : 31);
  const iso = new Date(epoch + Math.round(serial * 86_400) * 1000).toISOString();
  const date = iso.slice(0, 10);
  const time = iso.slice(11, 19);
  if (Number.isInteger(serial)) return date;
  return serial < 1 ? time : `${date} ${time}`;
}
