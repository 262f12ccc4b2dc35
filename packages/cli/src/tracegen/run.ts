// Drives a sender at a target rate for a count or a duration, and reports what was sent.
import type { Span } from '@skein/model';
import type { Sender } from './senders.js';
import { TraceGenerator, type TraceShape } from './generate.js';

export interface TracegenOptions {
  sender: Sender;
  shape: TraceShape;
  seed: number;
  /** Traces per second; 0 sends as fast as the transport takes them. */
  rate: number;
  /** Stop after this many traces (0: no limit). */
  count: number;
  /** Stop after this many milliseconds (0: no limit). */
  durationMs: number;
  /** Traces being sent at once (HTTP and gRPC requests, Kafka produce calls). */
  concurrency: number;
  /** Called after each trace was handed to the transport, with the time it was sent (ms). */
  onTrace?: (traceId: string, spans: readonly Span[], sentAtMs: number) => void;
  /** Stops the run early (Ctrl-C). */
  signal?: AbortSignal;
}

export interface TracegenSummary {
  traces: number;
  spans: number;
  /** Traces the transport refused (an HTTP or gRPC error, a failed produce). */
  failedTraces: number;
  seconds: number;
  tracesPerSecond: number;
  spansPerSecond: number;
  services: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends traces until the count, the duration or the signal says stop; resolves once all sends settled. */
export async function runTracegen(options: TracegenOptions): Promise<TracegenSummary> {
  const generator = new TraceGenerator(options.shape, options.seed);
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let traces = 0;
  let spans = 0;
  let failed = 0;
  for (let i = 0; ; i++) {
    if (options.signal?.aborted) break;
    if (options.count > 0 && i >= options.count) break;
    const elapsed = performance.now() - started;
    if (options.durationMs > 0 && elapsed >= options.durationMs) break;
    if (options.rate > 0) {
      const due = (i / options.rate) * 1000;
      if (due > elapsed) await sleep(Math.min(due - elapsed, 50));
      if (due > performance.now() - started) {
        i--;
        continue;
      }
    }
    const trace = generator.trace(Math.round((performance.timeOrigin + performance.now()) * 1000));
    const traceId = trace[0]?.traceId ?? '';
    const sending = options.sender.send(trace).then(
      () => {
        traces++;
        spans += trace.length;
        options.onTrace?.(traceId, trace, Date.now());
      },
      () => {
        failed++;
      },
    );
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
    if (inFlight.size >= options.concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  return {
    traces,
    spans,
    failedTraces: failed,
    seconds,
    tracesPerSecond: traces / seconds,
    spansPerSecond: spans / seconds,
    services: generator.processes.map((p) => p.serviceName),
  };
}
