import { once } from 'node:events';

/** Writes a chunk and waits for 'drain' when the stream's buffer is full, so a slow writer slows the reader. */
export async function writeChunk(stream: NodeJS.WritableStream, chunk: string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}
