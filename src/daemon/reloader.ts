/**
 * Policy hot reload: the files and folders the audit context came from are watched; a change (debounced: an
 * editor or `kubectl cp` writes in bursts, a ConfigMap swaps its `..data` link) loads the whole context again. A
 * set without errors replaces the running one between batches; a set with any error leaves the last good one
 * running, and says so (log, metric) until an edit fixes it. Loads never overlap: a change during a load causes
 * one more load after it.
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { AuditContext, AuditSources } from '../pipeline/context.js';
import { parseInventoryArg } from '../inventory/snapshot-arg.js';

export interface ReloadListener {
  /** A good set was loaded (maybe the same content: `policyVersion` tells). */
  loaded(context: AuditContext): void;
  /** The files have errors (or could not be read at all): the running set stays. */
  rejected(context: AuditContext | undefined, error: unknown): void;
}

export interface ReloaderOptions {
  readonly sources: AuditSources;
  readonly load: (sources: AuditSources) => Promise<AuditContext>;
  readonly debounceMs: number;
  readonly listener: ReloadListener;
}

export interface PolicyReloader {
  /** Loads now, as a change would (tests; SIGHUP). Resolves when that load (and any queued one) is over. */
  reload(): Promise<void>;
  close(): void;
}

/** Every path the context reads: policies, the proposal's files, inventory files (without their `@TIME`). */
export function watchedPaths(sources: AuditSources): string[] {
  const proposal = sources.proposal.kind === 'set' || sources.proposal.kind === 'change' ? sources.proposal.paths : [];
  return [...sources.policies, ...proposal, ...sources.inventory.map((a) => parseInventoryArg(a).path)].map((p) => resolve(p));
}

export async function startReloader(options: ReloaderOptions): Promise<PolicyReloader> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const loadOnce = async (): Promise<void> => {
    let context: AuditContext | undefined;
    try {
      context = await options.load(options.sources);
    } catch (error) {
      options.listener.rejected(undefined, error);
      return;
    }
    if (context.errors > 0) options.listener.rejected(context, undefined);
    else options.listener.loaded(context);
  };
  const reload = (): Promise<void> => {
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        if (!closed) await loadOnce();
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  const changed = (): void => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), options.debounceMs);
  };

  const watchers: FSWatcher[] = [];
  for (const path of new Set(watchedPaths(options.sources))) {
    watchers.push(await watchPath(path, changed));
  }
  return {
    reload,
    close() {
      closed = true;
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}

/**
 * A folder is watched recursively. A file is watched through its folder, because editors and ConfigMaps replace
 * files (a new inode) rather than write into them, which a watch on the file itself would not survive; events
 * for the file's name, or for a `..`-prefixed name (ConfigMap's `..data` swap), count.
 */
async function watchPath(path: string, changed: () => void): Promise<FSWatcher> {
  const isFolder = (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
  if (isFolder) return watch(path, { recursive: true, persistent: false }, changed).on('error', changed);
  const name = basename(path);
  return watch(dirname(path), { persistent: false }, (_event, file) => {
    if (file === null || file === name || file.startsWith('..')) changed();
  }).on('error', changed);
}
