import { progressJson, progressLines, replaySchema, startReplay, type ReplayProgress } from '@skein/ingester';
import { configHelp, createLogger, loadConfig, registeredSecrets } from '@skein/runtime';
import type { CommandIO } from './io.js';

export const replayHelp = `skein replay: re-reads a range of the span topic into new indices (reindexing), through the ingester's
own pipeline. The end offsets are fixed when it starts; it uses a consumer group of its own (the live
ingesters' offsets are never touched); progress is saved in a checkpoint file, so running the same command
again after a crash or Ctrl-C resumes where it stopped. A progress bar on a terminal, JSON lines otherwise.

Example: skein replay --from 2026-11-24T00:00:00Z --to 2026-11-25T00:00:00Z --index-prefix v2-

Options:
${configHelp(replaySchema)}
`;

export interface ReplayCommandOptions {
  /** Draw bars (a terminal) rather than print JSON lines. */
  tty?: boolean;
  /** Resolves when the command should stop early, as SIGINT does. */
  until?: Promise<void>;
}

/** Runs a replay to its end (exit 0), or until interrupted (exit 130, resumable). */
export async function replayCommand(
  argv: readonly string[],
  io: CommandIO,
  options: ReplayCommandOptions = {},
): Promise<number> {
  const { config } = loadConfig(replaySchema, { argv, env: io.env });
  const logger = createLogger({
    level: (io.env.SKEIN_LOG_LEVEL as 'debug' | 'info' | 'warn' | 'error' | undefined) ?? 'warn',
    format: 'pretty',
    fields: { component: 'replay' },
    redact: registeredSecrets,
  });
  const tty = options.tty ?? process.stderr.isTTY;
  let drawn = 0;
  const onProgress = (progress: ReplayProgress): void => {
    if (!tty) {
      io.out(progressJson(progress));
      return;
    }
    const lines = progressLines(progress);
    // Redraw in place: move up over the previous drawing, then clear each line as it is rewritten.
    const up = drawn > 0 ? `\x1b[${drawn}A` : '';
    process.stderr.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
    drawn = lines.length;
  };
  const run = await startReplay(config, { logger, onProgress });
  let interrupted = false;
  const interrupt = (): void => {
    interrupted = true;
    run.stop();
  };
  const signals = options.until === undefined;
  if (signals) {
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
  } else {
    void options.until?.then(interrupt);
  }
  try {
    const summary = await run.done;
    io.err(
      summary.complete
        ? `replay complete: ${summary.messages} messages, ${summary.spans} spans in ${summary.seconds.toFixed(1)} s into indices prefixed ${config['index-prefix']}`
        : `replay stopped after ${summary.messages} messages; run the same command again to resume`,
    );
    return summary.complete && !interrupted ? 0 : 130;
  } finally {
    if (signals) {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
    }
  }
}
