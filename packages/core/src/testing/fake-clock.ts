// A clock that moves only when told. Timers run in due order; `advance` is synchronous, and
// `advanceAsync` lets promise chains settle between timers, for code that awaits.
import type { Clock, TimerHandle } from '../clock.js';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

const host = globalThis as unknown as { setTimeout(callback: () => void, ms: number): unknown };

/** Lets every pending promise reaction and I/O callback run (one real macrotask turn). */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => host.setTimeout(resolve, 0));
}

export class FakeClock implements Clock {
  #now: number;
  #timers: Timer[] = [];
  #nextId = 1;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.push({ id, at: this.#now + Math.max(0, ms), callback });
    this.#timers.sort((a, b) => a.at - b.at || a.id - b.id);
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((timer) => timer.id !== handle);
  }

  /** How many timers are waiting. */
  get pending(): number {
    return this.#timers.length;
  }

  /** When the next timer is due, if any. */
  get nextAt(): number | undefined {
    return this.#timers[0]?.at;
  }

  /** Moves time forward, running each timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (let timer = this.#due(end); timer; timer = this.#due(end)) {
      this.#now = timer.at;
      timer.callback();
    }
    this.#now = end;
  }

  /** Like `advance`, but lets promises settle before and after each timer. */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.#now + ms;
    await flushPromises();
    for (let timer = this.#due(end); timer; timer = this.#due(end)) {
      this.#now = timer.at;
      timer.callback();
      await flushPromises();
    }
    this.#now = end;
  }

  /** Runs the next timer (jumping time to it) and lets promises settle. */
  async next(): Promise<void> {
    const at = this.nextAt;
    if (at !== undefined) await this.advanceAsync(at - this.#now);
    else await flushPromises();
  }

  #due(end: number): Timer | undefined {
    const first = this.#timers[0];
    if (!first || first.at > end) return undefined;
    this.#timers.shift();
    return first;
  }
}
