import { afterEach, describe, expect, it, vi } from 'vitest';
import { RetriesAbandoned } from '../../src/daemon/backoff.js';
import { GroupRebalanced, type PreparedBatch, type ProcessControl, type WriteSummary } from '../../src/daemon/batch-processor.js';
import { type PipelineBatch, WritePipeline } from '../../src/daemon/write-pipeline.js';
import { silentLogger, storeError } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A prepared batch of `rows` rows at `offset` of `partition`, as far as the pipeline looks at one. */
function prepared(partition: number, offset: number, rows: number, caughtUp = false): PreparedBatch {
  return {
    partition,
    firstOffset: String(offset),
    lastOffset: String(offset),
    highWatermark: String(offset + (caughtUp ? 1 : 100)),
    caughtUp,
    records: rows,
    policyVersion: 'v1',
    rows: { chunks: [], rows, rules: new Map() },
    letters: [],
    tally: {
      flows: rows,
      skipped: {},
      deadLetters: new Map(),
      current: new Map(),
      proposed: new Map(),
      classes: new Map(),
      observed: { action: { compared: 0, differ: 0 }, rule: { compared: 0, differ: 0 } },
    },
  };
}

/** Records what the pipeline does with the batches: commits (by partition and offset), and which were told. */
class Recorder {
  readonly commits: string[] = [];
  readonly told: string[] = [];
  stale = new Set<string>();
  commitError: Error | undefined;
  heartbeats = 0;

  batch(partition: number, offset: number, rows: number, opts: { caughtUp?: boolean; generation?: number } = {}): PipelineBatch {
    const name = `${partition}@${offset}`;
    return {
      prepared: prepared(partition, offset, rows, opts.caughtUp),
      generation: opts.generation ?? 1,
      heartbeat: async () => {
        this.heartbeats++;
      },
      pauseTopic: () => () => {},
      isStale: () => this.stale.has(name),
      commit: async () => {
        if (this.commitError) throw this.commitError;
        this.commits.push(name);
      },
      committed: () => void this.told.push(name),
    };
  }
}

/** A store whose writes end when the test says: each write is one insert of the batches it got. */
class Writes {
  readonly calls: { offsets: string[]; end: (error?: unknown) => void }[] = [];

  readonly write = (batches: readonly PreparedBatch[], _control: ProcessControl): Promise<WriteSummary> =>
    new Promise((resolve, reject) => {
      const summary: WriteSummary = { batches: batches.length, records: 0, rows: batches.reduce((n, b) => n + b.rows.rows, 0), deadLetters: 0, retries: 0 };
      this.calls.push({
        offsets: batches.map((b) => `${b.partition}@${b.firstOffset}`),
        end: (error) => (error === undefined ? resolve(summary) : reject(error)),
      });
    });

  /** Ends write `i` and lets its commits run. */
  async end(i: number, error?: unknown): Promise<void> {
    this.calls[i]!.end(error);
    for (let k = 0; k < 10; k++) await Promise.resolve();
  }
}

function pipeline(writes: Writes, insertRows = 100, fatal: unknown[] = []) {
  return new WritePipeline({ insertRows, write: writes.write, abandon: () => false, logger: silentLogger, fatal: (e) => void fatal.push(e) });
}

/** A pipeline of 10-row inserts with two inserts' worth handed over (one being written): the next hand-over waits. */
async function fullPipeline() {
  vi.useFakeTimers();
  const rec = new Recorder();
  const writes = new Writes();
  const p = pipeline(writes, 10);
  await p.submit(rec.batch(0, 1, 10), async () => {}, 1000);
  await p.submit(rec.batch(0, 2, 10), async () => {}, 1000);
  return { rec, writes, p };
}

const settle = async () => {
  for (let k = 0; k < 10; k++) await Promise.resolve();
};

describe('WritePipeline', () => {
  it('waits for an insert\'s worth of rows, then writes the batches together and commits each partition once', async () => {
    const rec = new Recorder();
    const writes = new Writes();
    const p = pipeline(writes, 100);
    await p.submit(rec.batch(0, 10, 40), async () => {}, 1000);
    await p.submit(rec.batch(1, 20, 40), async () => {}, 1000);
    expect(writes.calls).toHaveLength(0);
    await p.submit(rec.batch(0, 11, 40), async () => {}, 1000);
    expect(writes.calls.map((c) => c.offsets)).toEqual([['0@10', '1@20', '0@11']]);
    await writes.end(0);
    await p.drain();
    expect(rec.commits.sort()).toEqual(['0@11', '1@20']);
    expect(rec.told.sort()).toEqual(['0@10', '0@11', '1@20']);
  });

  it('writes at once when a batch reached its partition\'s end, and after the linger otherwise', async () => {
    vi.useFakeTimers();
    const rec = new Recorder();
    const writes = new Writes();
    const p = pipeline(writes, 1000);
    await p.submit(rec.batch(0, 1, 5, { caughtUp: true }), async () => {}, 1000);
    expect(writes.calls.map((c) => c.offsets)).toEqual([['0@1']]);
    await writes.end(0);
    await p.submit(rec.batch(0, 2, 5), async () => {}, 1000);
    await vi.advanceTimersByTimeAsync(500);
    expect(writes.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(600);
    expect(writes.calls.map((c) => c.offsets)).toEqual([['0@1'], ['0@2']]);
  });

  it('keeps one insert in flight; what comes meanwhile goes in the next, up to twice insertRows', async () => {
    const rec = new Recorder();
    const writes = new Writes();
    const p = pipeline(writes, 10);
    await p.submit(rec.batch(0, 1, 10), async () => {}, 1000);
    await p.submit(rec.batch(0, 2, 8), async () => {}, 1000);
    await p.submit(rec.batch(0, 3, 8), async () => {}, 1000);
    expect(writes.calls).toHaveLength(1);
    const fourth = p.submit(rec.batch(0, 4, 8), async () => {}, 1000);
    await writes.end(0);
    await fourth;
    expect(writes.calls.map((c) => c.offsets)).toEqual([['0@1'], ['0@2', '0@3']]);
    await writes.end(1);
    const drained = p.drain();
    await settle();
    expect(writes.calls.map((c) => c.offsets)).toEqual([['0@1'], ['0@2', '0@3'], ['0@4']]);
    await writes.end(2);
    await drained;
    expect(rec.commits).toEqual(['0@1', '0@3', '0@4']);
  });

  it('holds a handover back while an insert\'s worth waits, heartbeating meanwhile', async () => {
    const { rec, writes, p } = await fullPipeline();
    let idled = 0;
    let returned = false;
    const third = p.submit(rec.batch(0, 3, 10), async () => void idled++, 1000).then(() => {
      returned = true;
    });
    await vi.advanceTimersByTimeAsync(3500);
    expect([returned, idled]).toEqual([false, 3]);
    await writes.end(0);
    await third;
    expect(returned).toBe(true);
  });

  it('passes a heartbeat that says the group rebalances on to the one handing over', async () => {
    const { rec, writes, p } = await fullPipeline();
    const rebalance = new GroupRebalanced(new Error('rebalancing'));
    const third = p.submit(rec.batch(0, 3, 10), () => Promise.reject(rebalance), 1000);
    const outcome = third.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await outcome).toBe(rebalance);
  });

  it('commits nothing of a partition past a batch given up in its generation, and again in the next generation', async () => {
    const rec = new Recorder();
    const writes = new Writes();
    const p = pipeline(writes, 1);
    await p.submit(rec.batch(0, 1, 1), async () => {}, 1000);
    const queued = [p.submit(rec.batch(0, 2, 1), async () => {}, 1000), p.submit(rec.batch(1, 7, 1), async () => {}, 1000)];
    await writes.end(0, new RetriesAbandoned(storeError('down', true), 3));
    await Promise.all(queued);
    await writes.end(1);
    expect(writes.calls.map((c) => c.offsets)).toEqual([['0@1'], ['0@2', '1@7']]);
    await p.submit(rec.batch(0, 1, 1, { generation: 2 }), async () => {}, 1000);
    await writes.end(2);
    await p.drain();
    // 0@2 is written but not committed: 0@1 before it was not; partition 1 had nothing given up.
    expect(rec.commits).toEqual(['1@7', '0@1']);
  });

  it('does not commit a batch whose partition moved since its fetch', async () => {
    const rec = new Recorder();
    rec.stale.add('0@1');
    const writes = new Writes();
    const p = pipeline(writes, 1);
    await p.submit(rec.batch(0, 1, 1), async () => {}, 1000);
    await writes.end(0);
    await p.drain();
    expect([rec.commits, rec.told]).toEqual([[], []]);
  });

  it('leaves a batch uncommitted when the group rebalanced during its write, without failing', async () => {
    const rec = new Recorder();
    const writes = new Writes();
    const fatal: unknown[] = [];
    const p = pipeline(writes, 1, fatal);
    await p.submit(rec.batch(0, 1, 1), async () => {}, 1000);
    await writes.end(0, new GroupRebalanced(new Error('rebalancing')));
    await p.drain();
    expect([rec.commits, fatal]).toEqual([[], []]);
  });

  it('shrugs off a commit refused during a rebalance, and stops on any other refusal', async () => {
    for (const [error, fails] of [
      [Object.assign(new Error('rebalancing'), { retriable: true }), false],
      [Object.assign(new Error('not authorized'), { retriable: false }), true],
    ] as const) {
      const rec = new Recorder();
      rec.commitError = error;
      const writes = new Writes();
      const fatal: unknown[] = [];
      const p = pipeline(writes, 1, fatal);
      await p.submit(rec.batch(0, 1, 1), async () => {}, 1000);
      await writes.end(0);
      await p.drain();
      expect(fatal).toEqual(fails ? [error] : []);
      expect(rec.told).toEqual([]);
    }
  });

  it('stops on a store error no retry fixes: nothing more is written or committed', async () => {
    const rec = new Recorder();
    const writes = new Writes();
    const fatal: unknown[] = [];
    const p = pipeline(writes, 1, fatal);
    const failure = storeError('wrong password', false);
    await p.submit(rec.batch(0, 1, 1), async () => {}, 1000);
    const second = p.submit(rec.batch(0, 2, 1), async () => {}, 1000);
    await writes.end(0, failure);
    await second;
    await p.submit(rec.batch(0, 3, 1), async () => {}, 1000);
    await p.drain();
    expect([fatal, writes.calls.length, rec.commits]).toEqual([[failure], 1, []]);
  });

  it('writes what waits at drain without lingering', async () => {
    const rec = new Recorder();
    const writes = new Writes();
    const p = pipeline(writes, 1000);
    await p.submit(rec.batch(2, 5, 3), async () => {}, 1000);
    expect(writes.calls).toHaveLength(0);
    const drained = p.drain();
    await settle();
    expect(writes.calls.map((c) => c.offsets)).toEqual([['2@5']]);
    await writes.end(0);
    await drained;
    expect(rec.commits).toEqual(['2@5']);
  });
});
