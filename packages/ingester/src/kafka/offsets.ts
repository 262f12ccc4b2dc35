/**
 * At-least-once bookkeeping for one partition. Every consumed message is a piece of work that finishes when all
 * its spans are written or deliberately dropped; work finishes out of order, but the committable offset only
 * moves past a message once it and everything before it has finished.
 */
export class PartitionOffsets {
  /** Offsets begun and not yet passed by the commit point, in consumption order. */
  #pending: bigint[] = [];
  #head = 0;
  #done = new Set<bigint>();
  /** The offset after the last message known finished with everything before it. */
  #next: bigint | undefined;
  #lastCommitted: bigint | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** Registers a consumed message; offsets must arrive in increasing order (as Kafka delivers them). */
  begin(offset: bigint): void {
    this.#pending.push(offset);
  }

  /** Marks a message finished; returns true if that moved the commit point. */
  finish(offset: bigint): boolean {
    this.#done.add(offset);
    let moved = false;
    while (this.#head < this.#pending.length) {
      const head = this.#pending[this.#head] as bigint;
      if (!this.#done.has(head)) break;
      this.#done.delete(head);
      this.#next = head + 1n;
      this.#head++;
      moved = true;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    }
    return moved;
  }

  /** The offset after the last message finished with everything before it; undefined before the first. */
  get position(): bigint | undefined {
    return this.#next;
  }

  /** Messages begun and not yet behind the commit point. */
  get inFlight(): number {
    return this.#pending.length - this.#head;
  }

  /** The offset to commit (Kafka's "next offset to read"), if it moved since the last markCommitted. */
  committable(): bigint | undefined {
    if (this.#next === undefined || this.#next === this.#lastCommitted) return undefined;
    return this.#next;
  }

  markCommitted(offset: bigint): void {
    this.#lastCommitted = offset;
  }
}

/** A consumed message's work: finished when every unit (span document, DLQ record) registered on it is done. */
export class MessageWork {
  #remaining = 1;
  #finished = false;
  /** False once its partition was revoked: finishing it must not move another member's offsets. */
  valid = true;

  constructor(
    readonly offsets: PartitionOffsets,
    readonly offset: bigint,
    /** When the agent received the spans (ms since epoch), if the message says so. */
    readonly receivedAt: number | undefined,
    private readonly onFinish: (work: MessageWork) => void,
  ) {
    offsets.begin(offset);
  }

  /** Registers `n` more units that must finish before the message is done. */
  add(n: number): void {
    this.#remaining += n;
  }

  /** One unit done. The message itself holds one unit, released by `seal()` once all units are registered. */
  done(n = 1): void {
    this.#remaining -= n;
    if (this.#remaining <= 0 && !this.#finished) {
      this.#finished = true;
      if (this.valid) this.onFinish(this);
    }
  }

  /** Call once every unit of the message has been added. */
  seal(): void {
    this.done(1);
  }
}
