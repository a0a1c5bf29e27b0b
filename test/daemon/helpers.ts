/** Shared pieces of the daemon's unit tests: the demo cluster's audit, Kafka batches from lines, a fake control. */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { Auditor } from '../../src/pipeline/audit.js';
import { loadAuditContext, type AuditContext } from '../../src/pipeline/context.js';
import type { AuditState, ProcessControl } from '../../src/daemon/batch-processor.js';
import type { KafkaRecordBatch } from '../../src/sources/kafka/messages.js';

export const DEMO = {
  policies: ['fixtures/demo/policies'],
  change: ['fixtures/demo/change'],
  inventory: ['fixtures/demo/inventory'],
  flows: 'fixtures/demo/flows.jsonl',
} as const;

/** The demo flow lines, blank lines left out. */
export function demoLines(): string[] {
  return readFileSync(DEMO.flows, 'utf8').split('\n').filter((l) => l.trim() !== '');
}

/**
 * What the report parity tests add to the demo, which has none of it: records standing for several connections,
 * flows from and to a host endpoint (in `inventory`, to load with the demo's), and pods known only from the labels
 * in the flow (synthetic endpoints).
 */
export const PARITY = {
  inventory: 'test/daemon/data/parity-inventory.yaml',
  flows: 'test/daemon/data/parity-flows.jsonl',
} as const;

export function parityLines(): string[] {
  return readFileSync(PARITY.flows, 'utf8').split('\n').filter((l) => l.trim() !== '');
}

let demo: Promise<AuditContext> | undefined;
export function demoContext(): Promise<AuditContext> {
  demo ??= loadAuditContext({ policies: [...DEMO.policies], proposal: { kind: 'change', paths: [...DEMO.change] }, inventory: [...DEMO.inventory] });
  return demo;
}

export async function demoState(): Promise<AuditState> {
  const ctx = await demoContext();
  return { auditor: new Auditor(ctx.views, ctx.inventory), policyVersion: ctx.policyVersion };
}

/** Records at offsets `first`, `first + 1`, ... holding `values` (strings, or null for a tombstone). */
export function batchOf(values: readonly (string | null)[], opts: { topic?: string; partition?: number; first?: number } = {}): KafkaRecordBatch {
  const first = opts.first ?? 0;
  return {
    topic: opts.topic ?? 'flows',
    partition: opts.partition ?? 0,
    records: values.map((v, i) => ({ offset: String(first + i), key: null, value: v === null ? null : Buffer.from(v) })),
    highWatermark: String(first + values.length),
  };
}

export const silentLogger = pino({ level: 'silent' });

/** A ProcessControl that records what the processor asked of it. */
export class FakeControl implements ProcessControl {
  heartbeats = 0;
  pauses = 0;
  resumes = 0;
  giveUp = false;
  heartbeatError: Error | undefined;

  async heartbeat(): Promise<void> {
    this.heartbeats++;
    if (this.heartbeatError) throw this.heartbeatError;
  }

  abandon(): boolean {
    return this.giveUp;
  }

  pause(): () => void {
    this.pauses++;
    return () => {
      this.resumes++;
    };
  }
}

/** An error as our stores throw them: `retriable` says whether trying again may help. */
export function storeError(message: string, retriable: boolean): Error & { retriable: boolean } {
  return Object.assign(new Error(message), { retriable });
}
