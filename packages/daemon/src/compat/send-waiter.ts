// Waits for a committed message to leave the outbox, so that `TETHER_COMPAT_SEND=wait` can answer
// with Signal's own timestamp. One listener on the durable log serves every waiting request; an
// `unknown` outcome keeps waiting (it may still be resent and accepted) until the deadline.
import type { Disposer } from '@tether/core';
import type { MessageRecord } from '../app/ports.js';
import type { Message } from '../protocol/index.js';
import type { CompatPort } from './port.js';

export type SendResult =
  | { readonly kind: 'sent'; readonly signalTimestamp: number }
  | { readonly kind: 'failed'; readonly error: string }
  /** Still queued at the deadline (or the listener closed): the answer is provisional. */
  | { readonly kind: 'pending' };

type Settle = (result: SendResult) => void;

export class SendWaiter {
  readonly #port: Pick<CompatPort, 'events' | 'record'>;
  readonly #waiting = new Map<string, Set<Settle>>();
  readonly #unsubscribe: Disposer;

  constructor(port: Pick<CompatPort, 'events' | 'record'>) {
    this.#port = port;
    this.#unsubscribe = port.events.logged((event) => {
      if (event.kind === 'message' && this.#waiting.size > 0) this.#onMessage(JSON.parse(event.data) as Message);
    });
  }

  /**
   * Resolves when message `id` is sent or failed, or with `pending` after `ms` or on `signal`.
   * The waiter listens before it reads the record, so an outcome cannot slip between the two.
   */
  wait(id: string, ms: number, signal: AbortSignal): Promise<SendResult> {
    if (ms <= 0 || signal.aborted) return Promise.resolve({ kind: 'pending' });
    return new Promise((resolve) => {
      const waiters = this.#waiting.get(id) ?? new Set<Settle>();
      this.#waiting.set(id, waiters);
      const timer = setTimeout(() => settle({ kind: 'pending' }), ms);
      const onAbort = (): void => settle({ kind: 'pending' });
      const settle: Settle = (result) => {
        if (!waiters.delete(settle)) return;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (waiters.size === 0 && this.#waiting.get(id) === waiters) this.#waiting.delete(id);
        resolve(result);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      waiters.add(settle);
      void this.#port.record(id).then(
        (record) => {
          const now = settled(record && present(record));
          if (now !== undefined) settle(now);
        },
        () => undefined, // the log listener still answers, or the deadline does
      );
    });
  }

  /** Answers every waiting request as pending (shutdown) and stops listening. */
  close(): void {
    this.#unsubscribe();
    for (const waiters of [...this.#waiting.values()]) for (const settle of [...waiters]) settle({ kind: 'pending' });
  }

  #onMessage(message: Message): void {
    const waiters = this.#waiting.get(message.id);
    if (waiters === undefined) return;
    const result = settled(message);
    if (result !== undefined) for (const settle of [...waiters]) settle(result);
  }
}

function present(record: MessageRecord): Pick<Message, 'state' | 'signalTimestamp' | 'error'> {
  return { state: record.state, ...(record.backendId === undefined ? {} : { signalTimestamp: Number(record.backendId) }), ...(record.error === undefined ? {} : { error: record.error }) };
}

function settled(message: Pick<Message, 'state' | 'signalTimestamp' | 'error'> | undefined): SendResult | undefined {
  if (message === undefined) return undefined;
  if (['sent', 'delivered', 'read'].includes(message.state)) {
    // A backend that accepted without a readable timestamp leaves only Tether's to give.
    return message.signalTimestamp === undefined ? { kind: 'pending' } : { kind: 'sent', signalTimestamp: message.signalTimestamp };
  }
  if (message.state === 'failed') return { kind: 'failed', error: message.error ?? 'Failed to send message' };
  return undefined;
}
