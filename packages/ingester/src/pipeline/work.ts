/** Something that finishes when its documents are written: a consumed message, or a group of them. */
export interface WorkUnit {
  done(n?: number): void;
  /** When the agent received the spans (ms since epoch), if known. */
  readonly receivedAt: number | undefined;
}

/**
 * The documents of one tail-sampled trace, whose spans came from several messages: every message stays
 * unfinished until all of the trace's documents are written.
 */
export class GroupWork implements WorkUnit {
  #remaining: number;

  constructor(
    private readonly members: readonly WorkUnit[],
    documents: number,
    readonly receivedAt: number | undefined,
  ) {
    this.#remaining = documents;
    if (documents === 0) this.#release();
  }

  done(n = 1): void {
    this.#remaining -= n;
    if (this.#remaining === 0) this.#release();
  }

  #release(): void {
    for (const member of this.members) member.done();
  }
}
