// Optional send pacing: a token bucket that allows `burst` sends at once and refills at
// `ratePerMinute`. Time comes from the Clock, so pacing is exact under a fake clock.
import type { Clock } from './clock.js';

export interface PacingOptions {
  /** Sends per minute, sustained. */
  readonly ratePerMinute: number;
  /** Sends allowed back to back after a quiet spell. @default 1 */
  readonly burst?: number;
}

export class Pacer {
  readonly #clock: Clock;
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #updatedAt: number;

  constructor(clock: Clock, options: PacingOptions) {
    if (!(options.ratePerMinute > 0)) throw new RangeError(`ratePerMinute must be above 0, got ${options.ratePerMinute}`);
    this.#clock = clock;
    this.#perMs = options.ratePerMinute / 60_000;
    this.#burst = Math.max(1, options.burst ?? 1);
    this.#tokens = this.#burst;
    this.#updatedAt = clock.now();
  }

  /** Takes a token if one is there (returns 0), else returns how many ms until one will be. */
  reserve(): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + Math.max(0, now - this.#updatedAt) * this.#perMs);
    this.#updatedAt = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    // the epsilon keeps float noise (0.999… tokens) from adding a whole millisecond
    return Math.max(1, Math.ceil((1 - this.#tokens) / this.#perMs - 1e-9));
  }
}
