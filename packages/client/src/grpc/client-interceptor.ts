import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import type { Span, SpanContext } from 'opentracing';
import { FORMAT_GRPC_METADATA, type ClientTracer } from '../tracer/tracer.js';
import { finishRpcSpan, rpcSpanOptions } from './rpc-span.js';

export interface ClientInterceptorOptions {
  /** The parent of the call's span; by default the tracer's active span (none: the call starts a trace). */
  childOf?: Span | SpanContext;
  /** Called with each call's span as it starts, e.g. to add tags or to log its trace ID. */
  onSpan?: (span: Span) => void;
}

/**
 * A grpc-js client interceptor (`new Client(address, credentials, { interceptors: [...] })`, or per call in
 * the call options): one `span.kind=client` span per call, unary or streaming, named after the full method,
 * its context sent in the request metadata, finished with the call's status.
 */
export function tracingClientInterceptor(
  tracer: ClientTracer,
  options: ClientInterceptorOptions = {},
): Interceptor {
  return (callOptions, nextCall) => {
    const parent = options.childOf ?? tracer.activeSpan();
    const span = tracer.startSpan(callOptions.method_definition.path, rpcSpanOptions('client', parent));
    options.onSpan?.(span);
    let finished = false;
    return new InterceptingCall(nextCall(callOptions), {
      start: (metadata, _listener, next) => {
        tracer.inject(span.context(), FORMAT_GRPC_METADATA, metadata);
        next(metadata, {
          onReceiveStatus: (status, nextStatus) => {
            if (!finished) {
              finished = true;
              finishRpcSpan(span, status.code, status.details);
            }
            nextStatus(status);
          },
        });
      },
    });
  };
}
