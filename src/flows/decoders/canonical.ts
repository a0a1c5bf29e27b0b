import { DecodeFailure, SkippedLine } from '../decode-result.js';
import { type EditCount, normaliseRecord } from '../normalise.js';
import type { FlowDecoder } from './types.js';
import { isBlank, parseObject } from './json-line.js';

/**
 * flowaudit's own JSONL (docs/flow-record.md): JSON.parse, then validation and normalisation in place on the
 * parsed object. This is the hot path of replay and the daemon: no copies, no per-field allocation.
 */
export function createDecoder(): FlowDecoder {
  const count: EditCount = { edits: 0 };
  return {
    format: 'canonical',
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
