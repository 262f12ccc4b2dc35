export type {
  Batch,
  ClientStats,
  KeyValue,
  Log,
  Process,
  Span,
  SpanId,
  SpanRef,
  SpanRefType,
  Trace,
  TraceId,
  ValueType,
} from './types.js';
export { FLAG_DEBUG, FLAG_FIREHOSE, FLAG_SAMPLED, ZERO_SPAN_ID } from './types.js';
export { DecodeError, type DecodeErrorCode } from './errors.js';
export { jaegerTraceIdString, parentSpanIdOf, parseSpanId, parseTraceId } from './ids.js';
export {
  decodeAgentMessage,
  decodeBatch,
  encodeBatch,
  encodeEmitBatch,
  splitEmitBatch,
  type AgentMessage,
} from './thrift/codec.js';
export { splitBatchByTrace, type SplitResult, type TraceBatch } from './thrift/split.js';
export type { ThriftProtocol } from './thrift/types.js';
export {
  decodeProtoBatch,
  decodeProtoPostSpansRequest,
  decodeProtoSpan,
  encodeProtoBatch,
  encodeProtoPostSpansRequest,
  encodeProtoSpan,
} from './proto/model-proto.js';
export { decodeJaegerJsonSpan, encodeJaegerJsonSpan } from './json/jaeger-json.js';
export {
  esSpanDocumentId,
  fromEsSpan,
  spanKindOf,
  toEsService,
  toEsSpan,
  type EsKeyValue,
  type EsLog,
  type EsProcess,
  type EsReference,
  type EsService,
  type EsSpan,
  type EsSpanOptions,
  type EsTagFieldValue,
  type EsValueType,
} from './convert/es.js';
export {
  missingParentWarning,
  stringifyUiJson,
  toUiTrace,
  type UiKeyValue,
  type UiLog,
  type UiProcess,
  type UiReference,
  type UiSpan,
  type UiTrace,
} from './convert/ui.js';
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
} from './convert/indices.js';
export type {
  OtlpAnyValue,
  OtlpEvent,
  OtlpKeyValue,
  OtlpLink,
  OtlpResource,
  OtlpResourceSpans,
  OtlpScope,
  OtlpScopeSpans,
  OtlpSpan,
  OtlpStatus,
  OtlpTraceRequest,
} from './otlp/types.js';
export { OTLP_MAX_VALUE_DEPTH } from './otlp/types.js';
export { decodeOtlpTraceRequest, type OtlpDecodeOptions } from './otlp/decode-proto.js';
export { decodeOtlpTraceRequestJson } from './otlp/decode-json.js';
export {
  OTLP_UNKNOWN_SERVICE,
  otlpAttributeToTag,
  otlpToSpans,
  otlpValueJson,
  otlpValueText,
  type OtlpSpansResult,
} from './otlp/to-spans.js';
export {
  RETRY_INFO_TYPE_URL,
  RPC_CODE,
  encodeOtlpExportResponse,
  encodeOtlpExportResponseJson,
  encodeRetryInfo,
  encodeRpcStatus,
  encodeRpcStatusJson,
  type OtlpPartialSuccess,
  type RpcStatus,
} from './otlp/response.js';
