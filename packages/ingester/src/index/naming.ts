// The index names live in @skein/model, shared with the query service and replay.
export {
  dependenciesIndex,
  indexBaseName,
  indicesForRange,
  jaegerIndexPrefix,
  serviceIndex,
  spanIndex,
  utcDay,
  type IndexKind,
} from '@skein/model';
