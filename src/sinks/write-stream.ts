import { once } from 'node:events';

/** Writes a chunk and waits for 'drain' when the stream's buffer is full, so a slow writer slows the reader. */
export async function writeChunk(stream: NodeJS.WritableStream, chunk: string | Buffer): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

/** Writes chunks in order, waiting for 'drain' once at the end when the stream's buffer filled on the way. */
export async function writeChunks(stream: NodeJS.WritableStream, chunks: readonly Buffer[]): Promise<void> {
  let full = false;
  for (const c of chunks) full = !stream.write(c) || full;
  if (full) await once(stream, 'drain');
}
