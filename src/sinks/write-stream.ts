import { once } from 'node:events';

/** Writes a chunk and waits for 'drain' when the stream's buffer is full, so a slow writer slows the reader. */
export async function writeChunk(stream: NodeJS.WritableStream, chunk: string | Buffer): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

/**
 * Writes `bytes` and resolves once the stream is done with them (its write callback ran), so that their memory may
 * be reused; a stream that fails rejects.
 */
export function writeAndRelease(stream: NodeJS.WritableStream, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(bytes, (error?: Error | null) => (error ? reject(error) : resolve()));
  });
}
