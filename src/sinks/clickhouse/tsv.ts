/** TabSeparated text as ClickHouse reads it. */

/** Characters TabSeparated must escape (ClickHouse `writeEscapedString`); everything else is written as is. */
const TSV_SPECIAL = /[\\\t\n\r\0]/;
const TSV_SPECIAL_ALL = /[\\\t\n\r\0]/g;
const TSV_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

/** One TabSeparated field for a string. Unpaired surrogates become U+FFFD on the way to UTF-8, as anywhere in Node. */
export function tsvString(value: string): string {
  return TSV_SPECIAL.test(value) ? value.replace(TSV_SPECIAL_ALL, (ch) => TSV_ESCAPES[ch] ?? ch) : value;
}
