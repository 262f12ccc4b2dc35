import { AsyncLocalStorage } from 'node:async_hooks';
import { Tracer, type Span } from 'opentracing';
import type { ClientTracer } from './tracer.js';

/** JAEGER_DISABLED=true: OpenTracing's no-op spans, nothing propagated or sent; the active-span helpers still work. */
export class NoopTracer extends Tracer implements ClientTracer {
  readonly serviceName: string;
  readonly #storage = new AsyncLocalStorage<Span>();

  constructor(serviceName = '') {
    super();
    this.serviceName = serviceName;
  }

  activeSpan(): Span | null {
    return this.#storage.getStore() ?? null;
  }

  withSpan<T>(span: Span, fn: () => T): T {
    return this.#storage.run(span, fn);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
