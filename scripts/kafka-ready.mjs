// Readiness probe for scripts/services.sh: exits 0 once the broker answers a metadata request, 1 when it does not
// within the deadline. An open port alone is not enough: a KRaft broker listens before its controller has elected
// itself, and clients that connect in that window get "leader not available" for every topic.
// Usage: node scripts/kafka-ready.mjs <host:port> <deadline seconds>
import { Kafka, logLevel } from 'kafkajs';

const [broker = '127.0.0.1:9092', deadlineSeconds = '60'] = process.argv.slice(2);
const deadline = Date.now() + Number(deadlineSeconds) * 1000;
const kafka = new Kafka({
  clientId: 'flowaudit-services-probe',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
  connectionTimeout: 1000,
  requestTimeout: 2000,
  retry: { retries: 0 },
});

let lastError = 'no attempt made';
while (Date.now() < deadline) {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.controller !== null && cluster.controller >= 0) {
      await admin.disconnect();
      process.exit(0);
    }
    lastError = 'no active controller yet';
  } catch (error) {
    lastError = error instanceof Error ? error.message : String(error);
  }
  await admin.disconnect().catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 500));
}
console.error(`kafka at ${broker} did not answer a metadata request within ${deadlineSeconds} s: ${lastError}`);
process.exit(1);
