// Concurrent clients that hand tetherd the soak's messages. Each message has its own
// Idempotency-Key, so a POST whose answer was lost to a kill is sent again and can never create a
// second message: 202 (created) and 200 (already there) both mean accepted.
import type { DaemonProcess } from './daemon-process.js';
import { delay } from './http.js';

export const RECIPIENT = '+4915187654321';

/** Lets messages out in step with the fault schedule, so that faults always meet traffic. */
export class Release {
  readonly #total: number;
  #allowed = 0;

  constructor(total: number) {
    this.#total = total;
  }

  get allowed(): number {
    return this.#allowed;
  }

  /** Allows `count` more messages (never beyond the total). */
  add(count: number): void {
    this.#allowed = Math.min(this.#total, this.#allowed + Math.max(0, Math.round(count)));
  }

  finish(): void {
    this.#allowed = this.#total;
  }

  async wait(index: number): Promise<void> {
    while (index >= this.#allowed) await delay(10);
  }
}

export interface Submission {
  /** Message number → tetherd's message id. */
  readonly accepted: Map<number, string>;
  /** Requests sent again because the first got no answer (or 503 while shutting down). */
  retried: number;
}

export async function submitAll(options: { daemon: DaemonProcess; count: number; concurrency: number; seed: number; release: Release; submission: Submission }): Promise<void> {
  const { daemon, count, release, submission } = options;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < count; index = next++) {
      await release.wait(index);
      submission.accepted.set(index, await submitOne(daemon, index, options.seed, submission));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
}

async function submitOne(daemon: DaemonProcess, index: number, seed: number, submission: Submission): Promise<string> {
  const body = { recipients: [RECIPIENT], message: messageText(index) };
  const headers = { 'idempotency-key': `soak-${seed}-${index}` };
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) {
      submission.retried++;
      await delay(20);
      await daemon.whenUp();
    }
    let answer;
    try {
      answer = await daemon.request<{ id?: string; error?: { code: string } }>('POST', '/v1/messages', { body, headers, timeoutMs: 15_000 });
    } catch {
      continue; // no answer: it may or may not be committed; the key makes asking again safe
    }
    if ((answer.status === 202 || answer.status === 200) && typeof answer.body.id === 'string') return answer.body.id;
    if (answer.status === 503) continue; // shutting down: nothing was accepted
    throw new Error(`POST /v1/messages answered ${answer.status} ${JSON.stringify(answer.body.error ?? answer.body)}`);
  }
}

/** Unique per message, so the emulator's record tells each copy apart. */
export function messageText(index: number): string {
  return `soak-${index}`;
}

export function messageIndex(text: string | null): number | undefined {
  const match = /^soak-(\d+)$/.exec(text ?? '');
  return match ? Number(match[1]) : undefined;
}
