// A replay's progress for people (a bar per partition on a terminal) and for programs (one JSON line each time).

export interface ReplayProgress {
  partitions: Array<{ partition: number; done: number; total: number }>;
  messagesDone: number;
  messagesTotal: number;
  spans: number;
  spansPerSecond: number;
  elapsedSeconds: number;
  /** Seconds left at the recent message rate; undefined before there is a rate. */
  etaSeconds: number | undefined;
  complete: boolean;
}

function bar(fraction: number, width: number): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const mm = String(m).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** The lines a terminal shows: a total line, then one bar per partition. */
export function progressLines(p: ReplayProgress, width = 30): string[] {
  const fraction = p.messagesTotal === 0 ? 1 : p.messagesDone / p.messagesTotal;
  const lines = [
    `replay ${bar(fraction, width)} ${(fraction * 100).toFixed(1).padStart(5)}%  ${p.messagesDone}/${p.messagesTotal} messages  ${p.spans} spans  ${Math.round(p.spansPerSecond)} spans/s  ETA ${p.complete ? 'done' : duration(p.etaSeconds)}`,
  ];
  for (const part of p.partitions) {
    const f = part.total === 0 ? 1 : part.done / part.total;
    lines.push(`  p${String(part.partition).padEnd(3)} ${bar(f, width)} ${part.done}/${part.total}`);
  }
  return lines;
}

/** One JSON line for logs and scripts. */
export function progressJson(p: ReplayProgress): string {
  return JSON.stringify({
    event: p.complete ? 'replay_complete' : 'replay_progress',
    messagesDone: p.messagesDone,
    messagesTotal: p.messagesTotal,
    spans: p.spans,
    spansPerSecond: Math.round(p.spansPerSecond),
    elapsedSeconds: Math.round(p.elapsedSeconds * 10) / 10,
    etaSeconds: p.etaSeconds === undefined ? null : Math.round(p.etaSeconds),
    partitions: p.partitions,
  });
}
