/**
 * CSV for spreadsheets (README, "Export"): RFC 4180 fields and records, UTF-8 with a byte order
 * mark so Excel reads the accents right, and OWASP's guard against formula injection, since
 * customers write titles and names: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
 * return is prefixed with `'`, which a spreadsheet shows as text rather than runs. A cell starting
 * with `'` gets one more, so "strip one leading `'`" gives any field's stored text back.
 */

/** The UTF-8 byte order mark, first in every export: without it Excel reads the file as ANSI. */
export const CSV_BOM = '\uFEFF';

/** RFC 4180's record separator. */
export const CSV_EOL = '\r\n';

/** A cell's value: text, a count, or nothing (an empty field). */
export type CsvValue = string | number | null;

const FORMULA_START = /^[=+\-@\t\r']/;
const NEEDS_QUOTES = /[",\r\n]/;

/** Text a spreadsheet could run as a formula, prefixed with `'` so it is shown as typed. */
export function neutralized(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * One field: text neutralized, then quoted when it holds a comma, a quote or a line break (its quotes
 * doubled). A number is written as is (never a formula: the guard is for text people typed).
 */
export function csvField(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = neutralized(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, with its CRLF. */
export function csvRecord(values: readonly CsvValue[]): string {
  return values.map(csvField).join(',') + CSV_EOL;
}
