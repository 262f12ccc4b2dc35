import { ServerInterceptingCall, status as GrpcStatus, type ServerInterceptor } from '@grpc/grpc-js';
import type { Span } from 'opentracing';
import { FORMAT_GRPC_METADATA, type ClientTracer } from '../tracer/tracer.js';
import { finishRpcSpan, rpcSpanOptions } from './rpc-span.js';

/**
 * A grpc-js (1.10+) server interceptor, for `new Server({ interceptors: [...] })`: one `span.kind=server`
 * span per call, unary or streaming, named after the full method (`/pkg.Service/Method`), child of the
 * caller's span when its metadata carries one. The span is the tracer's active span while the handler
 * runs, so outgoing calls made with tracingClientInterceptor become its children.
 */
export function tracingServerInterceptor(tracer: ClientTracer): ServerInterceptor {
  return (method, call) => {
    let span: Span | undefined;
    let finished = false;
    const finish = (code: number, details: string): void => {
      if (span === undefined || finished) return;
      finished = true;
      finishRpcSpan(span, code, details);
    };
    // Handlers run inside these listener callbacks (unary: on half-close; streaming: on metadata).
    const active = (fn: () => void): void => (span === undefined ? fn() : tracer.withSpan(span, fn));
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            span = tracer.startSpan(
              method.path,
              rpcSpanOptions('server', tracer.extract(FORMAT_GRPC_METADATA, metadata)),
            );
            active(() => nextMetadata(metadata));
          },
          onReceiveMessage: (message, nextMessage) => active(() => nextMessage(message)),
          onReceiveHalfClose: (nextHalfClose) => active(nextHalfClose),
          onCancel: () => finish(GrpcStatus.CANCELLED, 'Cancelled by the client'),
        }),
      sendStatus: (status, nextStatus) => {
        finish(status.code, status.details);
        nextStatus(status);
      },
    });
  };
}
