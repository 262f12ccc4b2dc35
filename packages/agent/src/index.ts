export { Agent, agentComponent, type AgentConfig } from './agent.js';
export { agentSchema } from './config.js';
export { TraceQueue, type QueuedTrace } from './queue/trace-queue.js';
export { toTraceBatches } from './receivers/batches.js';
export type { Accepted, SpanSink, Transport, ReceiverMetrics } from './sink.js';
