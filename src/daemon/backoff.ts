/**
 * Retrying one operation until it succeeds, with capped exponential backoff and full jitter (kafkajs
 * `src/retry/index.js` does the same): the daemon retries the same batch while ClickHouse is slow or down, and
 * never moves past it. Errors say themselves whether a retry can help (`retriable`, as kafkajs and our ClickHouse
 * sink mark them); any other error ends the retries at once.
 */

export interface BackoffPolicy {
  /** Delay before the first retry. */
  readonly initialMs: number;
  /** No delay is longer than this. */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 10_000 };

/** Delay before retry number `attempt` (1-based): a random point in [d/2, d], d = min(max, initial * 2^(attempt-1)). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Whether the error says that trying the same request again may succeed. */
export function isRetriable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { retriable?: unknown; name?: unknown };
  // kafkajs wraps the last retriable error in this one once its own retries are spent: the cause is still transient.
  return e.retriable === true || e.name === 'KafkaJSNumberOfRetriesExceeded';
}

export interface RetryHooks {
  /** Called before each wait; `attempt` is the number of the retry about to happen. */
  onRetry(error: unknown, attempt: number, delayMs: number): void;
  /** Waits `ms` (interruptible by the caller's own means); resolves early when `giveUp` turned true. */
  sleep(ms: number): Promise<void>;
  /** Checked before every retry: true ends the retries with a `RetriesAbandoned`. */
  giveUp(): boolean;
}

/** The operation was still failing when the caller gave up (shutdown grace over, rebalance): nothing was done. */
export class RetriesAbandoned extends Error {
  override readonly name = 'RetriesAbandoned';
  constructor(
    readonly lastError: unknown,
    readonly attempts: number,
  ) {
    super(`gave up after ${attempts} attempts: ${lastError instanceof Error ? lastError.message : String(lastError)}`, {
      cause: lastError,
    });
  }
}

/** Runs `operation` until it succeeds; rethrows a non-retriable error; throws RetriesAbandoned when told to give up. */
export async function retrying<T>(operation: () => Promise<T>, policy: BackoffPolicy, hooks: RetryHooks): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isRetriable(error)) throw error;
      if (hooks.giveUp()) throw new RetriesAbandoned(error, attempt);
      const delay = backoffDelay(policy, attempt);
      hooks.onRetry(error, attempt, delay);
      await hooks.sleep(delay);
      if (hooks.giveUp()) throw new RetriesAbandoned(error, attempt);
    }
  }
}
