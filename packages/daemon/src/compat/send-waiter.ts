// Waits for a committed message to leave the outbox, so that `TETHER_COMPAT_SEND=wait` can answer
// with Signal's own timestamp. One listener on the durable log serves every waiting request; an
// `unknown` outcome keeps waiting (it may still be resent and accepted) until the deadline.
import type { OutboxRecord } from '@tether/core';
import type { OutgoingMessage } from '@tether/signal-transport';
import type { Message } from '../protocol/index.js';
import type { LoggedEvent } from '../store/event-log.js';

export type SendResult =
  | { readonly kind: 'sent'; readonly signalTimestamp: number }
  | { readonly kind: 'failed'; readonly error: string }
  /** Still queued at the deadline (or the listener closed): the answer is provisional. */
  | { readonly kind: 'pending' };

export interface SendWaiterPort {
  onLogged(listener: (event: LoggedEvent) => void): () => void;
  record(id: string): OutboxRecord<OutgoingMessage> | undefined;
}

type Settle = (result: SendResult) => void;

export class SendWaiter {
  readonly #port: SendWaiterPort;
  readonly #waiting = new Map<string, Set<Settle>>();
  readonly #unsubscribe: () => void;

  constructor(port: SendWaiterPort) {
    this.#port = port;
    this.#unsubscribe = port.onLogged((event) => this.#onLogged(event));
  }

  /**
   * Resolves when message `id` is sent or failed, or with `pending` after `ms` or on `signal`.
   * Call it right after the commit resolved: the record is read first, in the same turn, so an
   * outcome logged before the call is not missed.
   */
  wait(id: string, ms: number, signal: AbortSignal): Promise<SendResult> {
    const now = settled(asMessage(this.#port.record(id)));
    if (now !== undefined || ms <= 0 || signal.aborted) return Promise.resolve(now ?? { kind: 'pending' });
    return new Promise((resolve) => {
      const waiters = this.#waiting.get(id) ?? new Set<Settle>();
      this.#waiting.set(id, waiters);
      const timer = setTimeout(() => settle({ kind: 'pending' }), ms);
      const onAbort = (): void => settle({ kind: 'pending' });
      const settle: Settle = (result) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        waiters.delete(settle);
        if (waiters.size === 0) this.#waiting.delete(id);
        resolve(result);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      waiters.add(settle);
    });
  }

  /** Answers every waiting request as pending (shutdown) and stops listening. */
  close(): void {
    this.#unsubscribe();
    for (const waiters of [...this.#waiting.values()]) for (const settle of [...waiters]) settle({ kind: 'pending' });
  }

  #onLogged(event: LoggedEvent): void {
    if (event.kind !== 'message' || this.#waiting.size === 0) return;
    const message = JSON.parse(event.data) as Message;
    const waiters = this.#waiting.get(message.id);
    if (waiters === undefined) return;
    const result = settled(message);
    if (result !== undefined) for (const settle of [...waiters]) settle(result);
  }
}

/** The fields `settled` reads, from a stored record (core names Signal's timestamp `backendId`). */
function asMessage(record: OutboxRecord<OutgoingMessage> | undefined): Pick<Message, 'state' | 'signalTimestamp' | 'error'> | undefined {
  if (record === undefined) return undefined;
  return {
    state: record.state,
    ...(record.error === undefined ? {} : { error: record.error }),
    ...(record.backendId === undefined ? {} : { signalTimestamp: Number(record.backendId) }),
  };
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
