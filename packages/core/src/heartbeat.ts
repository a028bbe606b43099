// The idle watchdog of an open link. After `intervalMs` without any sign of life it pings; if
// nothing arrives within `timeoutMs` of the ping, the link is declared lost. Activity is recorded
// as a timestamp, so a busy link costs no timer churn: one timer is armed at a time.
import type { Clock, TimerHandle } from './clock.js';

export interface HeartbeatPort {
  /** Ask the peer for a sign of life. */
  ping(): void;
  /** No sign of life within the timeout. Called at most once. */
  lost(): void;
}

export interface HeartbeatOptions {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export class Heartbeat {
  readonly #clock: Clock;
  readonly #options: HeartbeatOptions;
  readonly #port: HeartbeatPort;
  #lastActivity: number;
  #pingedAt: number | undefined;
  #timer: TimerHandle | undefined;
  #stopped = false;

  constructor(clock: Clock, options: HeartbeatOptions, port: HeartbeatPort) {
    this.#clock = clock;
    this.#options = options;
    this.#port = port;
    this.#lastActivity = clock.now();
    this.#arm(options.intervalMs);
  }

  /** Any traffic from the peer. */
  activity(): void {
    this.#lastActivity = this.#clock.now();
    this.#pingedAt = undefined;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = this.#clock.setTimeout(() => this.#check(), ms);
  }

  #check(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const now = this.#clock.now();
    if (now < this.#lastActivity) this.#lastActivity = now;
    if (this.#pingedAt !== undefined && now < this.#pingedAt) this.#pingedAt = now;
    if (this.#pingedAt !== undefined) {
      const waited = now - this.#pingedAt;
      if (waited >= this.#options.timeoutMs) {
        this.stop();
        this.#port.lost();
        return;
      }
      this.#arm(this.#options.timeoutMs - waited);
      return;
    }
    const idle = now - this.#lastActivity;
    if (idle < this.#options.intervalMs) {
      this.#arm(this.#options.intervalMs - idle);
      return;
    }
    this.#pingedAt = now;
    this.#port.ping();
    if (this.#stopped) return;
    this.#arm(this.#options.timeoutMs);
  }
}
