/** Seconds from an arbitrary origin; tests pass their own. */
export type Clock = () => number;

export const monotonicSeconds: Clock = () => performance.now() / 1000;

/**
 * A token bucket: `creditsPerSecond` credits accrue continuously up to `maxBalance`; an item passes when a
 * whole credit is available. The bucket starts full.
 */
export class RateLimiter {
  #creditsPerSecond: number;
  #maxBalance: number;
  #balance: number;
  #lastTick: number;
  readonly #clock: Clock;

  constructor(creditsPerSecond: number, maxBalance: number, clock: Clock = monotonicSeconds) {
    this.#creditsPerSecond = creditsPerSecond;
    this.#maxBalance = maxBalance;
    this.#balance = maxBalance;
    this.#clock = clock;
    this.#lastTick = clock();
  }

  get balance(): number {
    return this.#balance;
  }

  /** Takes `cost` credits if the bucket holds them. */
  checkCredit(cost = 1): boolean {
    if (this.#balance < cost) {
      const now = this.#clock();
      this.#balance = Math.min(
        this.#maxBalance,
        this.#balance + (now - this.#lastTick) * this.#creditsPerSecond,
      );
      this.#lastTick = now;
    }
    if (this.#balance < cost) return false;
    this.#balance -= cost;
    return true;
  }

  /** New rates keep the bucket as full, proportionally, as it was. */
  update(creditsPerSecond: number, maxBalance: number): void {
    if (this.#maxBalance > 0) this.#balance = (this.#balance * maxBalance) / this.#maxBalance;
    this.#creditsPerSecond = creditsPerSecond;
    this.#maxBalance = maxBalance;
  }
}
