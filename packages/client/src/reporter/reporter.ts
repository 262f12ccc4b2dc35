import type { Span } from '@skein/model';
import type { Logger } from '../logger.js';

/** Receives every finished, sampled span. */
export interface Reporter {
  report(span: Span): void;
  /** Sends what is pending; resolves once the last send has completed. */
  close(): Promise<void>;
}

/** Keeps spans in memory, for tests of instrumented code. */
export class InMemoryReporter implements Reporter {
  readonly spans: Span[] = [];

  report(span: Span): void {
    this.spans.push(span);
  }

  clear(): void {
    this.spans.length = 0;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Logs one line per span (JAEGER_REPORTER_LOG_SPANS), in the form of the `uber-trace-id` header. */
export class LoggingReporter implements Reporter {
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  report(span: Span): void {
    const parent = span.parentSpanId ?? '0000000000000000';
    this.#logger.info(
      `Reporting span ${span.traceId}:${span.spanId}:${parent}:${span.flags.toString(16)} ${JSON.stringify(span.operationName)}`,
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Hands every span to each reporter. */
export class CompositeReporter implements Reporter {
  readonly reporters: readonly Reporter[];

  constructor(reporters: readonly Reporter[]) {
    this.reporters = reporters;
  }

  report(span: Span): void {
    for (const reporter of this.reporters) reporter.report(span);
  }

  async close(): Promise<void> {
    await Promise.all(this.reporters.map((r) => r.close()));
  }
}
