// Incoming traffic for the soak: `in-<n>` messages injected into the emulator at a steady pace
// (and in bursts for drop-on-busy), each remembered with the envelope's timestamp, which is when
// "Signal" pushed it. An injection whose answer was lost (the emulator died under it) is neither
// counted as injected nor as a stranger: nobody can know whether it happened.
import type { EmulatorProcess } from './emulator-process.js';
import { delay } from './http.js';

export const SENDER = '+4915100000077';

export interface Injected {
  readonly text: string;
  /** `envelope.timestamp`: the emulator's clock when it pushed the message. */
  readonly timestamp: number;
}

export class IncomingInjector {
  readonly #emulator: EmulatorProcess;
  readonly injected: Injected[] = [];
  /** Texts whose injection got no answer: maybe injected, maybe not. */
  readonly uncertain = new Set<string>();
  #next = 0;
  #paused = 0;
  #intervalMs = 0;
  #running: Promise<void> | undefined;

  constructor(emulator: EmulatorProcess) {
    this.#emulator = emulator;
  }

  /** Injects `total` messages in all (bursts included), one every `intervalMs` while not paused. */
  start(total: number, intervalMs: number): void {
    this.#intervalMs = intervalMs;
    this.#running = (async () => {
      while (this.#next < total) {
        await delay(this.#intervalMs);
        if (this.#paused === 0 && this.#emulator.running) await this.inject();
      }
    })();
  }

  /** Injects the rest every `intervalMs` (the faults are over) and waits until all are in. */
  async finish(intervalMs: number): Promise<void> {
    this.#intervalMs = intervalMs;
    await this.#running;
  }

  /** No steady injections until the returned function is called (nested pauses are counted). */
  pause(): () => void {
    this.#paused++;
    let resumed = false;
    return () => {
      if (resumed) return;
      resumed = true;
      this.#paused--;
    };
  }

  /** One message, now. */
  async inject(): Promise<void> {
    const text = `in-${this.#next++}`;
    try {
      const answer = await this.#emulator.admin<{ envelope: { timestamp: number } }>('POST', '/_emulator/inject', { from: SENDER, text });
      this.injected.push({ text, timestamp: answer.envelope.timestamp });
    } catch (error) {
      // Refused: the emulator is down and certainly injected nothing. Anything else may have.
      if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED') this.uncertain.add(text);
    }
  }

  /** `count` messages back to back, as fast as the admin API takes them. */
  async burst(count: number): Promise<void> {
    for (let index = 0; index < count; index++) await this.inject();
  }
}

export function incomingIndex(text: unknown): number | undefined {
  const match = /^in-(\d+)$/.exec(typeof text === 'string' ? text : '');
  return match ? Number(match[1]) : undefined;
}
