import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url));
const RESOLVED_KAFKA_LIB = fileURLToPath(new URL('../../.services/kafka/lib', import.meta.url));

function services(command: string, env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync('bash', [SCRIPT, command], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 180_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function freePort(): Promise<{ port: number; server: Server }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ port: typeof address === 'object' && address !== null ? address.port : 0, server });
    });
  });
}

describe('scripts/services.sh on the running services', () => {
  it('reports both services up', () => {
    const { code, stdout } = services('status');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^kafka: (running|listening)/m);
    expect(stdout).toMatch(/^clickhouse: (running|listening)/m);
  });

  it('leaves running services alone on a second up', () => {
    const { code, stdout } = services('up');
    expect(code).toBe(0);
    expect(stdout).toContain('kafka: already listening');
    expect(stdout).toContain('clickhouse: already listening');
    expect(stdout).not.toContain('started pid');
  });

  it('refuses an unknown command', () => {
    const { code, stderr } = services('restart');
    expect(code).toBe(1);
    expect(stderr).toContain('usage: scripts/services.sh up|down|status');
  });
});

describe('scripts/services.sh with its own state directory and ports', () => {
  const state = mkdtempSync(join(tmpdir(), 'flowaudit-services-'));
  // The jars the running services use, with the pom they came from: `up` skips mvn (its path ran when those
  // services were first started, and costs tens of seconds).
  if (existsSync(RESOLVED_KAFKA_LIB)) cpSync(RESOLVED_KAFKA_LIB, join(state, 'kafka', 'lib'), { recursive: true });
  const held: Server[] = [];
  afterAll(() => {
    services('down', { FLOWAUDIT_SERVICES_DIR: state });
    for (const server of held) server.close();
    rmSync(state, { recursive: true, force: true });
  });

  it('fails with the log tail when a service cannot start, and down stops what did start', async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const [kafka, controller, http, busyTcp] = ports;
    // Free the ports the services should take; keep the one that must collide with ClickHouse's TCP listener.
    for (const p of [kafka, controller, http]) p!.server.close();
    held.push(busyTcp!.server);
    const env = {
      FLOWAUDIT_SERVICES_DIR: state,
      FLOWAUDIT_KAFKA_PORT: String(kafka!.port),
      FLOWAUDIT_KAFKA_CONTROLLER_PORT: String(controller!.port),
      FLOWAUDIT_CLICKHOUSE_PORT: String(http!.port),
      FLOWAUDIT_CLICKHOUSE_TCP_PORT: String(busyTcp!.port),
    };

    const up = services('up', env);
    expect(up.code).toBe(1);
    expect(up.stdout).toContain(`kafka: started pid`);
    expect(up.stderr).toMatch(/clickhouse: the server exited during start-up|clickhouse: \/ping did not answer/);
    expect(up.stderr).toMatch(/--- last lines of .*clickhouse/);

    const status = services('status', env);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/^clickhouse: stopped/m);

    const down = services('down', env);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/^kafka: stopped pid \d+/m);
    expect(services('status', env).stdout).toMatch(/^kafka: stopped/m);
  });
});
