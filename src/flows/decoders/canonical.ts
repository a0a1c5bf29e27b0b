import { DecodeFailure, SkippedLine } from '../decode-result.js';
import { type EditCount, normaliseRecord } from '../normalise.js';
import type { FlowDecoder } from './types.js';
import { isBlank, parseObject } from './json-line.js';
import { CanonicalScanner } from './canonical-scan.js';

/**
 * flowaudit's own JSONL (docs/flow-record.md): lines in the shape exporters write are read from their bytes
 * (canonical-scan.ts); any other line is JSON.parsed, then validated and normalised in place on the parsed object.
 */
export function createDecoder(): FlowDecoder {
  const count: EditCount = { edits: 0 };
  const scanner = new CanonicalScanner();
  return {
    format: 'canonical',
    scan: (bytes, start, end) => scanner.scan(bytes, start, end),
    decode(line) {
      count.edits = -1;
      if (isBlank(line)) return SkippedLine.blank;
      const o = parseObject(line);
      if (o instanceof DecodeFailure) return o;
      count.edits = 0;
      return normaliseRecord(o, count);
    },
    get verbatim() {
      return count.edits === 0;
    },
  };
}
