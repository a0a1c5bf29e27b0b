/**
 * Source positions inside JSON text, found on demand. `kubectl get -o json` dumps run to tens of megabytes;
 * JSON.parse reads them about 200 times faster than a YAML parser, so JSON files are parsed with it and a field's
 * position is looked up only when a diagnostic or an origin needs one: the containers on the path are scanned
 * once each (memoized), so looking up every item of a long list costs one pass over it. The text is known to be
 * valid JSON (JSON.parse accepted it), which keeps the scanner small.
 */
import type { Located } from './source-document.js';

interface Child {
  readonly key?: number;
  readonly value: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class JsonLocator {
  private readonly containers = new Map<number, ReadonlyMap<string | number, Child>>();

  constructor(private readonly text: string) {}

  locate(segments: readonly (string | number)[]): Located {
    let here: Child = { value: this.skipSpace(0) };
    for (const segment of segments) {
      const next = this.children(here.value)?.get(segment);
      if (next === undefined) return { start: here.value, keyStart: here.key, exact: false };
      here = next;
    }
    return { start: here.value, keyStart: here.key, exact: true, stringStart: this.unescapedString(here.value) };
  }

  /** Keys (object) or indices (array) of the container at `start` → where each child is; undefined for scalars. */
  private children(start: number): ReadonlyMap<string | number, Child> | undefined {
    const open = this.text[start];
    if (open !== '{' && open !== '[') return undefined;
    const known = this.containers.get(start);
    if (known !== undefined) return known;
    const out = new Map<string | number, Child>();
    const close = open === '{' ? '}' : ']';
    let i = this.skipSpace(start + 1);
    let index = 0;
    while (this.text[i] !== close) {
      if (open === '{') {
        const keyEnd = this.skipString(i);
        const raw = this.text.slice(i, keyEnd);
        const value = this.skipSpace(this.skipSpace(keyEnd) + 1);
        // Like JSON.parse, the last of duplicate keys wins.
        out.set(raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1), { key: i, value });
        i = this.skipValue(value);
      } else {
        out.set(index++, { value: i });
        i = this.skipValue(i);
      }
      i = this.skipSpace(i);
      if (this.text[i] === ',') i = this.skipSpace(i + 1);
    }
    this.containers.set(start, out);
    return out;
  }

  /** The offset of a string's first character when it has no escapes (so offsets map 1:1), else undefined. */
  private unescapedString(start: number): number | undefined {
    if (this.text.charCodeAt(start) !== QUOTE) return undefined;
    const end = this.skipString(start);
    return this.text.slice(start, end).includes('\\') ? undefined : start + 1;
  }

  private skipValue(i: number): number {
    const c = this.text[i];
    if (c === '"') return this.skipString(i);
    if (c === '{' || c === '[') {
      let depth = 0;
      for (let j = i; j < this.text.length; j++) {
        const d = this.text.charCodeAt(j);
        if (d === QUOTE) j = this.skipString(j) - 1;
        else if (d === 0x7b || d === 0x5b) depth++;
        else if ((d === 0x7d || d === 0x5d) && --depth === 0) return j + 1;
      }
      return this.text.length;
    }
    let j = i;
    while (j < this.text.length && !',}] \t\r\n'.includes(this.text[j] ?? '')) j++;
    return j;
  }

  /** The offset just after the string starting at `i`. */
  private skipString(i: number): number {
    for (let j = i + 1; j < this.text.length; j++) {
      const c = this.text.charCodeAt(j);
      if (c === BACKSLASH) j++;
      else if (c === QUOTE) return j + 1;
    }
    return this.text.length;
  }

  private skipSpace(i: number): number {
    let j = i;
    while (j < this.text.length && ' \t\r\n'.includes(this.text[j] ?? '')) j++;
    return j;
  }
}
