import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CLICKHOUSE_PORT, KAFKA_PORT } from './services.js';

const SERVICES_SCRIPT = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url));

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 2000 });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/**
 * Integration tests need the real Kafka and ClickHouse: start them with scripts/services.sh when either port is
 * closed (a first run installs ClickHouse and resolves Kafka's jars: about 40 s). They are left running for the
 * next run; `npm run services down` stops them.
 */
export default async function setup(): Promise<void> {
  const [kafka, clickhouse] = await Promise.all([listening(KAFKA_PORT), listening(CLICKHOUSE_PORT)]);
  if (kafka && clickhouse) return;
  execFileSync('bash', [SERVICES_SCRIPT, 'up'], { stdio: 'inherit' });
}
