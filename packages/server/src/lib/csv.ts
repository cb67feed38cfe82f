// CSV for people who open it in a spreadsheet. A cell that starts with =, +, -, @, a tab or a
// carriage return is read as a formula by Excel, LibreOffice and Google Sheets, so text a visitor
// typed (`=HYPERLINK(…)`) could run in the reader's spreadsheet. Such cells get a leading single
// quote, as OWASP advises ("CSV Injection"): the sheet shows the text, and runs nothing.
import { stringify } from 'csv-stringify/sync';

const FORMULA_START = /^[=+\-@\t\r]/;

/** The cell as a spreadsheet will show it as text. Only strings: numbers and booleans are data. */
export function neutraliseCell(value: unknown): unknown {
  return typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : value;
}

/** CSV lines for these records, every text cell neutralised. The one CSV writer of exports. */
export function toCsv(records: readonly (readonly unknown[])[]): string {
  return stringify(records.map((record) => record.map(neutraliseCell)));
}
