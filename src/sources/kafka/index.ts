/** Kafka source edge: the only module that builds kafkajs clients (see client.ts). */
export { kafkaClient, type KafkaClientExtras } from './client.js';
export { kafkaOptions, KAFKA_DEFAULTS, type KafkaOptions, type KafkaSettingsInput, type KafkaSasl, type KafkaTls, type SaslMechanism } from './options.js';
export { ensureTopic, offsetsForTime, type PartitionOffset, type TopicSpec, type TopicState } from './admin.js';
export { connectTypedProducer, type ProducedMessage, type TypedProducer, type TypedProducerOptions } from './producer.js';
