/** Writes a workload to a directory: the YAML files, then `flows.jsonl` streamed with backpressure. */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { toYamlDocuments } from './resource.js';
import type { Workload } from './workload.js';

export const FLOWS_FILE = 'flows.jsonl';
/** Lines are copied into buffers of about this many bytes: one write per chunk, not per flow. */
const CHUNK_BYTES = 1 << 20;

/**
 * Lines into newline-terminated chunks. Copying each line into a buffer costs a third of what concatenating
 * strings and encoding the result does (measured on 2M flows). Each chunk is a fresh buffer, because the stream
 * may still hold the last one.
 */
function* chunks(lines: Iterable<string>): Generator<Buffer> {
  const fresh = (atLeast: number): Buffer => Buffer.allocUnsafe(Math.max(2 * CHUNK_BYTES, atLeast));
  let buf = fresh(0);
  let used = 0;
  for (const line of lines) {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: make room first, so that write() never truncates.
    if (used + 3 * line.length + 1 > buf.length) {
      if (used > 0) yield buf.subarray(0, used);
      buf = fresh(3 * line.length + 1);
      used = 0;
    }
    used += buf.write(line, used);
    buf[used++] = 0x0a;
    if (used >= CHUNK_BYTES) {
      yield buf.subarray(0, used);
      buf = fresh(0);
      used = 0;
    }
  }
  if (used > 0) yield buf.subarray(0, used);
}

/** Returns the paths written, relative to `dir`. */
export async function writeWorkload(workload: Workload, dir: string): Promise<string[]> {
  const written: string[] = [];
  for (const file of workload.files) {
    const path = join(dir, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, toYamlDocuments(file.resources));
    written.push(file.path);
  }
  // pipeline waits for 'drain' whenever the file stream's buffer is full, so the generator runs only as fast as
  // the disk takes its output.
  await pipeline(Readable.from(chunks(workload.flows())), createWriteStream(join(dir, FLOWS_FILE)));
  written.push(FLOWS_FILE);
  return written;
}
