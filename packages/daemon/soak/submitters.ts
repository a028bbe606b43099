// Concurrent clients that hand tetherd the soak's messages. Each message has its own
// Idempotency-Key, so a POST whose answer was lost to a kill is sent again and can never create a
// second message: 202 (created) and 200 (already there) both mean accepted. With several tetherds
// on one database the POSTs go to the live instances in turn, and a POST sent again goes to the
// next one: the key lives in the shared database, so it holds across instances.
import type { Cluster } from './cluster.js';
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
  /** Messages each instance answered for (the POST that finally got 200 or 202). */
  readonly byInstance: Map<string, number>;
}

export async function submitAll(options: { cluster: Cluster; count: number; concurrency: number; seed: number; release: Release; submission: Submission }): Promise<void> {
  const { cluster, count, release, submission } = options;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < count; index = next++) {
      await release.wait(index);
      submission.accepted.set(index, await submitOne(cluster, index, options.seed, submission));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
}

async function submitOne(cluster: Cluster, index: number, seed: number, submission: Submission): Promise<string> {
  const body = { recipients: [RECIPIENT], message: messageText(index) };
  const headers = { 'idempotency-key': `soak-${seed}-${index}` };
  // A paused instance holds a request without answering: with others to ask, do not wait it out.
  const timeoutMs = cluster.shared ? 3_000 : 15_000;
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) {
      submission.retried++;
      await delay(20);
    }
    const member = await cluster.next();
    let answer;
    try {
      answer = await member.request<{ id?: string; error?: { code: string } }>('POST', '/v1/messages', { body, headers, timeoutMs });
    } catch {
      continue; // no answer: it may or may not be committed; the key makes asking again safe
    }
    if ((answer.status === 202 || answer.status === 200) && typeof answer.body.id === 'string') {
      submission.byInstance.set(member.name, (submission.byInstance.get(member.name) ?? 0) + 1);
      return answer.body.id;
    }
    if (answer.status === 503) continue; // shutting down: nothing was accepted
    // A shared database can be out of reach for one instance for a moment (a paused instance's
    // connections are ended by the server): another instance may ask, and the key makes it safe.
    if (cluster.shared && answer.status === 500) continue;
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
