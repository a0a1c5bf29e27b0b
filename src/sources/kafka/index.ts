/** Kafka source edge: the only module that builds kafkajs clients (see client.ts). */
export { kafkaClient, type KafkaClientExtras } from './client.js';
export { kafkaOptions, KAFKA_DEFAULTS, type KafkaOptions, type KafkaSettingsInput, type KafkaSasl, type KafkaTls, type SaslMechanism } from './options.js';
export { ensureTopic, offsetsForTime, type PartitionOffset, type TopicSpec, type TopicState } from './admin.js';
export { connectTypedProducer, type ProducedMessage, type TypedProducer, type TypedProducerOptions } from './producer.js';
export { connectGroupConsumer, type BatchControl, type BatchHandler, type GroupConsumer, type GroupConsumerOptions } from './consumer.js';
export { KafkaFlowDecoder, type DecodedKafkaBatch, type KafkaDeadLetter, type KafkaDecoderOptions, type KafkaRecord, type KafkaRecordBatch } from './messages.js';
export { connectDeadLetterTopic, DEAD_LETTER_HEADERS, type DeadLetterTopic } from './dead-letter-topic.js';
export { partitionSpans, readTopicRange, type PartitionSpan, type TopicRange } from './range.js';
export { KAFKA_FLAGS, kafkaSettingsFromFlags, type KafkaFlagValues } from './flags.js';
