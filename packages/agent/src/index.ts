export { Agent, agentComponent, type AgentConfig } from './agent.js';
export { agentSchema } from './config.js';
export { TraceQueue, type QueuedTrace } from './queue/trace-queue.js';
export { toTraceBatches } from './receivers/batches.js';
export type { Accepted, SpanSink, Transport, ReceiverMetrics } from './sink.js';
export { OtlpGrpcReceiver, OTLP_EXPORT_PATH, type OtlpGrpcReceiverOptions } from './receivers/otlp/grpc.js';
export { OtlpHttpReceiver, OTLP_TRACES_PATH, type OtlpHttpReceiverOptions } from './receivers/otlp/http.js';
