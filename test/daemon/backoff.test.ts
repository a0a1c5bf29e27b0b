import { describe, expect, it } from 'vitest';
import { backoffDelay, isRetriable, RetriesAbandoned, retrying } from '../../src/daemon/backoff.js';
import { ClickHouseSinkError } from '../../src/sinks/clickhouse/index.js';
import { storeError } from './helpers.js';

const POLICY = { initialMs: 100, maxMs: 1000 };

describe('backoffDelay', () => {
  it.each([
    [1, 50, 100],
    [2, 100, 200],
    [3, 200, 400],
    [4, 400, 800],
    [5, 500, 1000],
    [60, 500, 1000],
  ])('retry %i waits between %i and %i ms', (attempt, low, high) => {
    expect(backoffDelay(POLICY, attempt, () => 0)).toBe(low);
    expect(backoffDelay(POLICY, attempt, () => 1)).toBe(high);
  });
});

describe('isRetriable', () => {
  it.each([
    [new ClickHouseSinkError('insert', 'down', true, 'ECONNREFUSED'), true],
    [new ClickHouseSinkError('insert', 'wrong password', false, '516'), false],
    [Object.assign(new Error('spent'), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: false }), true],
    [Object.assign(new Error('no topic'), { name: 'KafkaJSProtocolError', retriable: false }), false],
    [new TypeError('bad row'), false],
    ['text', false],
    [null, false],
  ])('%s → %s', (error, retriable) => {
    expect(isRetriable(error)).toBe(retriable);
  });
});

describe('retrying', () => {
  const hooks = (over: { giveUp?: () => boolean } = {}) => {
    const waits: number[] = [];
    return {
      waits,
      hooks: { onRetry: (_e: unknown, _a: number, ms: number) => void waits.push(ms), sleep: async () => {}, giveUp: over.giveUp ?? (() => false) },
    };
  };

  it('repeats a retriable failure until the operation succeeds', async () => {
    let calls = 0;
    const { waits, hooks: h } = hooks();
    const value = await retrying(async () => {
      calls++;
      if (calls < 4) throw storeError('down', true);
      return 'done';
    }, POLICY, h);
    expect(value).toBe('done');
    expect(calls).toBe(4);
    expect(waits).toHaveLength(3);
  });

  it('rethrows a non-retriable error at once', async () => {
    let calls = 0;
    const { hooks: h } = hooks();
    const failure = storeError('table missing', false);
    await expect(retrying(async () => {
      calls++;
      throw failure;
    }, POLICY, h)).rejects.toBe(failure);
    expect(calls).toBe(1);
  });

  it('ends with RetriesAbandoned, carrying the last error, once told to give up', async () => {
    let calls = 0;
    const { hooks: h } = hooks({ giveUp: () => calls >= 2 });
    const error = await retrying(async () => {
      calls++;
      throw storeError(`down ${calls}`, true);
    }, POLICY, h).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesAbandoned);
    expect((error as RetriesAbandoned).attempts).toBe(2);
    expect(((error as RetriesAbandoned).lastError as Error).message).toBe('down 2');
  });
});
