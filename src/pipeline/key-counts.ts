/**
 * Counts over a closed set of keys (verdicts, change classes), kept by the key's place in the set. Replay and the
 * daemon count every flow: a count kept in a Map, or in a plain object under a varying key (V8's megamorphic
 * path), costs several hundred instructions a flow, a search of a few keys a handful. (ReasonCounts, in
 * flows/dead-letter.ts, counts reasons as they come, once per dead letter or skipped line.)
 */
export class KeyCounts<K extends string> implements Iterable<[K, number]> {
  private readonly counts: number[];

  constructor(private readonly keys: readonly K[]) {
    this.counts = keys.map(() => 0);
  }

  add(key: K): void {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === key) {
        this.counts[i]!++;
        return;
      }
    }
    throw new Error(`KeyCounts: ${key} is none of ${keys.join(', ')}`);
  }

  /** The keys counted at least once, with their counts, in the order the set lists them. */
  *[Symbol.iterator](): Iterator<[K, number]> {
    for (let i = 0; i < this.keys.length; i++) if (this.counts[i]! > 0) yield [this.keys[i]!, this.counts[i]!];
  }
}
