/** The server's release, read once at connect: what SQL flowaudit may send depends on it. */
export interface ServerVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** As the server printed it, e.g. `18.16.1` or `26.7.1.1234`. */
  readonly text: string;
}

/** Debian's package (18.16) is the oldest server the integration tests run against. */
export const MINIMUM_SERVER: ServerVersion = { major: 18, minor: 16, patch: 0, text: '18.16' };

export function parseServerVersion(text: string): ServerVersion {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  if (match === null) throw new TypeError(`cannot read a ClickHouse version from ${JSON.stringify(text)}`);
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), text: text.trim() };
}

export function versionAtLeast(version: ServerVersion, floor: ServerVersion): boolean {
  if (version.major !== floor.major) return version.major > floor.major;
  if (version.minor !== floor.minor) return version.minor > floor.minor;
  return version.patch >= floor.patch;
}
