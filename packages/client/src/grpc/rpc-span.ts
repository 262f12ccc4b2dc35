import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Span, SpanOptions } from 'opentracing';

/** The status tag: OpenTelemetry's name for it, an int64 of the gRPC status code (0 = OK). */
export const GRPC_STATUS_CODE_TAG = 'rpc.grpc.status_code';
/** The `component` tag of every span the interceptors create. */
export const GRPC_COMPONENT = 'gRPC';

/** Start options for an RPC span of `kind`, child of `parent` if there is one. */
export function rpcSpanOptions(
  kind: 'server' | 'client',
  parent: SpanOptions['childOf'] | null,
): SpanOptions {
  const options: SpanOptions = { tags: { 'span.kind': kind, component: GRPC_COMPONENT } };
  if (parent) options.childOf = parent;
  return options;
}

/** Tags the status; a non-OK status also gets `error=true` and an error log (`error.kind` is the status name). */
export function finishRpcSpan(span: Span, code: number, details: string): void {
  span.setTag(GRPC_STATUS_CODE_TAG, code);
  if (code !== GrpcStatus.OK) {
    span.setTag('error', true);
    span.log({ event: 'error', 'error.kind': GrpcStatus[code] ?? String(code), message: details });
  }
  span.finish();
}
