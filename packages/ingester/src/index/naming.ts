// The index names live in @skein/model, shared with the query service and replay.
export {
  dependenciesIndex,
  indexBaseName,
  indicesForRange,
  jaegerIndexPrefix,
  readAlias,
  serviceIndex,
  spanIndex,
  utcDay,
  writeAlias,
  type IndexKind,
} from '@skein/model';
