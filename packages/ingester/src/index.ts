export { Ingester, ingesterComponent, type IngesterConfig } from './ingester.js';
export { ingesterSchema } from './config.js';
export { PartitionOffsets, MessageWork } from './kafka/offsets.js';
export {
  installTemplates,
  spanTemplate,
  serviceTemplate,
  dependenciesTemplate,
  type TemplateOptions,
} from './index/templates.js';
export {
  spanIndex,
  serviceIndex,
  dependenciesIndex,
  indicesForRange,
  type IndexKind,
} from './index/naming.js';
export { indexPrefixProblem } from './index/templates.js';
export {
  initIndices,
  cleanIndices,
  rolloverIndices,
  describeAction,
  cleanCutoff,
  expiredDailyIndices,
  expiredRolloverIndices,
  LifecycleError,
  INDEX_KINDS,
  type LifecycleAction,
  type InitOptions,
  type CleanOptions,
  type RolloverOptions,
  type RolloverConditions,
} from './index/lifecycle.js';
export { ServiceOperationCache, serviceDocumentId } from './index/services.js';
export { dependencyLinks, DependencyAggregator, type DependencyLink } from './index/dependencies.js';
export { PolicyEngine, parseTailPolicies, type TailPolicy } from './sampling/policies.js';
export { TailSampler, type TailDecision } from './sampling/tail.js';
export { IndexingParts, type IndexingConfig, type SamplingChoice } from './ingester.js';
export { replaySchema } from './replay/config.js';
export { startReplay, defaultCheckpointFile, type ReplayConfig, type ReplayRun } from './replay/run.js';
export { parsePosition, planRanges, type Position, type PartitionRange } from './replay/position.js';
export { readCheckpoint, type Checkpoint } from './replay/checkpoint.js';
export { progressLines, progressJson, type ReplayProgress } from './replay/progress.js';
export type { ReplaySummary } from './replay/replay.js';
