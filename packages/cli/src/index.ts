export { main, mainHelp } from './main.js';
export type { CommandIO } from './commands/io.js';
export { runTracegen, type TracegenOptions, type TracegenSummary } from './tracegen/run.js';
export { TraceGenerator, DEFAULT_SHAPE, type TraceShape } from './tracegen/generate.js';
export {
  udpSender,
  httpSender,
  grpcSender,
  kafkaSender,
  batchesOf,
  type Sender,
  type Transport,
} from './tracegen/senders.js';
export { esSchema } from './commands/es.js';
