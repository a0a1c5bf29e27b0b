import { afterEach, describe, expect, it } from 'vitest';
import { startStatusServer, type StatusServer } from '../../src/daemon/http.js';
import { DaemonMetrics } from '../../src/daemon/metrics.js';

let server: StatusServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('status server', () => {
  it('serves the metrics registry as Prometheus text', async () => {
    const metrics = new DaemonMetrics();
    metrics.deadLettered.inc({ reason: 'invalid-json' }, 2);
    metrics.setPolicyVersion('abc');
    metrics.setPolicyVersion('def');
    server = await startStatusServer('127.0.0.1', 0, metrics.registry, () => ({ healthy: true }));
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('flowaudit_dead_letters_total{reason="invalid-json"} 2');
    expect(text).toContain('flowaudit_policy_info{version="def"} 1');
    expect(text).not.toContain('version="abc"');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it.each([
    [true, 200],
    [false, 503],
  ])('answers /healthz with %s → %i and the details as JSON', async (healthy, status) => {
    server = await startStatusServer('127.0.0.1', 0, new DaemonMetrics().registry, () => ({ healthy, state: 'running' }));
    const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ healthy, state: 'running' });
  });

  it('answers other paths with 404', async () => {
    server = await startStatusServer('127.0.0.1', 0, new DaemonMetrics().registry, () => ({ healthy: true }));
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
  });
});
