/**
 * THE escaping of values and names spliced into ClickHouse SQL. Debian's ClickHouse 18.16 has no query parameters
 * (`{name:Type}` arrived in 19.x), so every literal that did not come from our own code goes through `sqlString`
 * and every database or table name through `sqlIdentifier`; no other module builds SQL from outside input.
 */

/** Unpaired UTF-16 surrogates have no UTF-8 form: the server would store U+FFFD, not the string we were given. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Escapes for ClickHouse's quoted-string lexer (`readQuotedString`): backslash and the quote itself, plus the
 * control characters a log line or an HTTP body could mangle (NUL, newline, CR, tab), written as the escapes the
 * lexer reads back. Everything else, non-ASCII included, goes through as UTF-8.
 */
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '`': '\\`',
  '\0': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};
const NEEDS_ESCAPE = /[\\'`\0\n\r\t]/g;

function escapeQuoted(value: string, what: string): string {
  if (LONE_SURROGATE.test(value)) {
    throw new RangeError(`${what} holds an unpaired UTF-16 surrogate and cannot be sent to ClickHouse intact`);
  }
  return value.replace(NEEDS_ESCAPE, (ch) => ESCAPES[ch] ?? ch);
}

/** A ClickHouse string literal, quotes included, that the server reads back as exactly `value`. */
export function sqlString(value: string): string {
  return `'${escapeQuoted(value, 'a string literal')}'`;
}

/** A back-quoted identifier (database, table or column name) that the server reads back as exactly `name`. */
export function sqlIdentifier(name: string): string {
  if (name.length === 0) throw new RangeError('an identifier cannot be empty');
  if (name.includes('\0')) throw new RangeError('an identifier cannot hold NUL');
  return `\`${escapeQuoted(name, 'an identifier')}\``;
}
