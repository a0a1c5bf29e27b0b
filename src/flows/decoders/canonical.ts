import { DecodeFailure, SkippedLine } from '../decode-result.js';
import { type EditCount, normaliseRecord } from '../normalise.js';
import type { FlowRecord } from '../record.js';
import type { FlowDecoder, ScannedLine } from './types.js';
import { isBlank, parseObject } from './json-line.js';
import { CanonicalScanner } from './canonical-scan.js';

/**
 * flowaudit's own JSONL (docs/flow-record.md): lines in the shape exporters write are read from their bytes
 * (canonical-scan.ts); any other line is JSON.parsed, then validated and normalised in place on the parsed object.
 */
export function createDecoder(): FlowDecoder {
  return new CanonicalDecoder();
}

/**
 * A class, not an object literal: V8 keeps a literal with a getter (`verbatim`) as a dictionary, and every line's
 * `decoder.scan` would then be a generic property lookup.
 */
class CanonicalDecoder implements FlowDecoder {
  readonly format = 'canonical';
  private readonly count: EditCount = { edits: 0 };
  private readonly scanner = new CanonicalScanner();

  scan(bytes: Buffer, start: number, end: number): ScannedLine | undefined {
    return this.scanner.scan(bytes, start, end);
  }

  decode(line: string): FlowRecord | DecodeFailure | SkippedLine {
    const count = this.count;
    count.edits = -1;
    if (isBlank(line)) return SkippedLine.blank;
    const o = parseObject(line);
    if (o instanceof DecodeFailure) return o;
    count.edits = 0;
    return normaliseRecord(o, count);
  }

  get verbatim(): boolean {
    return this.count.edits === 0;
  }
}
