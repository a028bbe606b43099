// Webhook delivery of incoming events, from the durable spool: one event at a time, in order,
// with its cursor stored so a restart resumes where it stopped. A receiver that is down or
// failing (network error, timeout, 5xx, 408, 429, a redirect) is retried with backoff for as
// long as it takes: nothing is skipped. A receiver that rejects one event outright (another 4xx)
// five times sends that event to the dead letters, visible in status, and delivery moves on.
import { createHmac } from 'node:crypto';
import { backoffDelay, sleep, type BackoffPolicy, type Clock, type Logger } from '@tether/core';
import type { Status } from '../protocol/index.js';
import { publicEventData } from './event-feed.js';
import type { EventLog } from './event-log.js';
import type { DeadLetterStore, MetaStore } from './ports.js';

const CURSOR = 'webhook_cursor';
const REJECTIONS_BEFORE_DEAD_LETTER = 5;

export type WebhookStatus = NonNullable<Status['webhook']>;

/** What one POST came to. */
export type PostResult = { readonly kind: 'answered'; readonly status: number } | { readonly kind: 'unreachable'; readonly error: string };

/** Posts one body; never follows redirects, gives up at its own deadline. */
export type WebhookPoster = (request: { readonly url: string; readonly headers: Readonly<Record<string, string>>; readonly body: string; readonly signal: AbortSignal }) => Promise<PostResult>;

export interface WebhookOptions {
  readonly url: string;
  readonly secret: string;
  readonly events: Pick<EventLog, 'after' | 'countAfter'>;
  readonly meta: MetaStore;
  readonly deadLetters: DeadLetterStore;
  readonly post: WebhookPoster;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly backoff: BackoffPolicy;
  readonly onResult?: (result: 'delivered' | 'failed' | 'dead-letter') => void;
}

/** The signature header: `t=<ms>,v1=<hex HMAC-SHA256 of "<ms>.<body>">`. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookDeliverer {
  readonly #options: WebhookOptions;
  readonly #closed = new AbortController();
  #cursor = 0;
  #ready: Promise<void>;
  #running: Promise<void> | undefined;
  #again = false;
  #state: WebhookStatus['state'] = 'idle';
  #delivered = 0;
  #lastError: string | undefined;

  constructor(options: WebhookOptions) {
    this.#options = options;
    this.#ready = Promise.resolve(options.meta.get(CURSOR)).then((stored) => {
      this.#cursor = Number(stored ?? 0);
    });
  }

  /** New events are in the spool. */
  kick(): void {
    if (this.#closed.signal.aborted) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#run()
      .catch((error: unknown) => this.#options.logger.error({ err: error }, 'webhook delivery stopped on a store error; it resumes with the next event'))
      .finally(() => {
        this.#running = undefined;
        if (this.#again) this.kick();
      });
  }

  async status(): Promise<WebhookStatus> {
    await this.#ready;
    const [pending, deadLetters] = await Promise.all([this.#options.events.countAfter(this.#cursor, 'incoming'), this.#options.deadLetters.count()]);
    return { url: this.#options.url, state: this.#state, delivered: this.#delivered, pending, deadLetters, ...(this.#lastError ? { lastError: this.#lastError } : {}) };
  }

  async close(): Promise<void> {
    this.#closed.abort();
    await this.#running;
  }

  async #run(): Promise<void> {
    this.#again = false;
    await this.#ready;
    for (;;) {
      if (this.#closed.signal.aborted) return;
      const [event] = await this.#options.events.after(this.#cursor, 1, 'incoming');
      if (!event) {
        this.#state = 'idle';
        return;
      }
      this.#state = 'delivering';
      await this.#deliver(event.id, publicEventData(event));
    }
  }

  /** Delivers one event, retrying as the class of failure says; returns once the cursor moved past it (or on close). */
  async #deliver(id: number, data: string): Promise<void> {
    const { clock, logger } = this.#options;
    const body = `{"id":${id},"event":"incoming","data":${data}}`;
    let rejections = 0;
    for (let attempt = 0; !this.#closed.signal.aborted; attempt++) {
      const result = await this.#post(id, body);
      if (result === undefined) return; // closed meanwhile
      if (result.ok) {
        await this.#advance(id);
        this.#delivered++;
        this.#lastError = undefined;
        this.#options.onResult?.('delivered');
        return;
      }
      this.#lastError = result.error;
      this.#options.onResult?.('failed');
      if (result.rejected && ++rejections >= REJECTIONS_BEFORE_DEAD_LETTER) {
        await this.#options.deadLetters.add({ eventId: id, at: clock.now(), error: result.error, ...(result.status === undefined ? {} : { status: result.status }) });
        logger.error({ eventId: id, status: result.status, error: result.error }, 'webhook event dead-lettered');
        this.#options.onResult?.('dead-letter');
        await this.#advance(id);
        return;
      }
      this.#state = 'retrying';
      const delay = backoffDelay(this.#options.backoff, attempt);
      logger.warn({ eventId: id, attempt: attempt + 1, delayMs: delay, error: result.error }, 'webhook delivery failed; will retry');
      try {
        await sleep(clock, delay, this.#closed.signal);
      } catch {
        return; // closed
      }
    }
  }

  async #post(id: number, body: string): Promise<{ ok: true } | { ok: false; rejected: boolean; status?: number; error: string } | undefined> {
    const timestamp = this.#options.clock.now();
    const headers = { 'content-type': 'application/json', 'tether-event-id': String(id), 'tether-signature': signWebhook(this.#options.secret, timestamp, body) };
    const result = await this.#options.post({ url: this.#options.url, headers, body, signal: this.#closed.signal });
    if (this.#closed.signal.aborted) return undefined;
    if (result.kind === 'unreachable') return { ok: false, rejected: false, error: `the receiver is unreachable: ${result.error}` };
    const { status } = result;
    if (status >= 200 && status < 300) return { ok: true };
    // A redirect is never followed: the signed body (sender, text) must not go where it was not sent.
    if (status >= 300 && status < 400) return { ok: false, rejected: false, status, error: `the receiver answered ${status} (a redirect; webhooks never follow redirects: fix TETHER_WEBHOOK_URL)` };
    const rejected = status >= 400 && status < 500 && status !== 408 && status !== 429;
    return { ok: false, rejected, status, error: `the receiver answered ${status}` };
  }

  async #advance(id: number): Promise<void> {
    this.#cursor = id;
    await this.#options.meta.set(CURSOR, String(id));
  }
}
