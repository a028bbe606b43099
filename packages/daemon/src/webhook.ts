// Webhook delivery of incoming events, from the durable spool: one event at a time, in order,
// with its cursor in the database so a restart resumes where it stopped. A receiver that is down
// or failing (network error, 5xx, 429) is retried with backoff for as long as it takes: nothing
// is skipped. A receiver that rejects one event outright (another 4xx) five times sends that
// event to the dead-letter table, visible in status, and delivery moves on.
import { createHmac } from 'node:crypto';
import { backoffDelay, sleep, systemClock, type BackoffPolicy } from '@tether/core';
import { publicEventData } from './api/event-hub.js';
import type { DaemonLogger } from './logger.js';
import type { Status } from './protocol/index.js';
import type { Db } from './store/database.js';
import { getMeta, setMeta } from './store/database.js';
import type { EventLog } from './store/event-log.js';

const CURSOR = 'webhook_cursor';
const REJECTIONS_BEFORE_DEAD_LETTER = 5;

export type WebhookStatus = NonNullable<Status['webhook']>;

export interface WebhookOptions {
  readonly url: string;
  readonly secret: string;
  readonly db: Db;
  readonly events: EventLog;
  readonly logger: DaemonLogger;
  readonly backoff: BackoffPolicy;
  readonly timeoutMs: number;
  readonly onResult?: (result: 'delivered' | 'failed' | 'dead-letter') => void;
}

/** The signature header: `t=<ms>,v1=<hex HMAC-SHA256 of "<ms>.<body>">`. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookDeliverer {
  readonly #options: WebhookOptions;
  readonly #closed = new AbortController();
  #cursor: number;
  #running: Promise<void> | undefined;
  #again = false;
  #state: WebhookStatus['state'] = 'idle';
  #delivered = 0;
  #lastError: string | undefined;

  constructor(options: WebhookOptions) {
    this.#options = options;
    options.db.exec('CREATE TABLE IF NOT EXISTS webhook_dead_letters (event_id INTEGER PRIMARY KEY, at INTEGER NOT NULL, status INTEGER, error TEXT NOT NULL)');
    this.#cursor = Number(getMeta(options.db, CURSOR) ?? 0);
  }

  /** New events are in the spool. */
  kick(): void {
    if (this.#closed.signal.aborted) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      if (this.#again) this.kick();
    });
  }

  status(): WebhookStatus {
    const { db } = this.#options;
    const pending = (db.prepare("SELECT COUNT(*) AS count FROM events WHERE kind = 'incoming' AND id > ?").get(this.#cursor) as { count: number }).count;
    const deadLetters = (db.prepare('SELECT COUNT(*) AS count FROM webhook_dead_letters').get() as { count: number }).count;
    return { url: this.#options.url, state: this.#state, delivered: this.#delivered, pending, deadLetters, ...(this.#lastError ? { lastError: this.#lastError } : {}) };
  }

  async close(): Promise<void> {
    this.#closed.abort();
    await this.#running;
  }

  async #run(): Promise<void> {
    this.#again = false;
    for (;;) {
      if (this.#closed.signal.aborted) return;
      const [event] = this.#options.events.after(this.#cursor, 1, 'incoming');
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
    const body = `{"id":${id},"event":"incoming","data":${data}}`;
    let rejections = 0;
    for (let attempt = 0; !this.#closed.signal.aborted; attempt++) {
      const result = await this.#post(id, body);
      if (result.ok) {
        this.#advance(id);
        this.#delivered++;
        this.#lastError = undefined;
        this.#options.onResult?.('delivered');
        return;
      }
      this.#lastError = result.error;
      this.#options.onResult?.('failed');
      if (result.rejected && ++rejections >= REJECTIONS_BEFORE_DEAD_LETTER) {
        this.#options.db.prepare('INSERT OR REPLACE INTO webhook_dead_letters (event_id, at, status, error) VALUES (?, ?, ?, ?)').run(id, Date.now(), result.status ?? null, result.error);
        this.#options.logger.error({ eventId: id, status: result.status, error: result.error }, 'webhook event dead-lettered');
        this.#options.onResult?.('dead-letter');
        this.#advance(id);
        return;
      }
      this.#state = 'retrying';
      const delay = backoffDelay(this.#options.backoff, attempt);
      this.#options.logger.warn({ eventId: id, attempt: attempt + 1, delayMs: delay, error: result.error }, 'webhook delivery failed; will retry');
      try {
        await sleep(systemClock, delay, this.#closed.signal);
      } catch {
        return; // closed
      }
    }
  }

  async #post(id: number, body: string): Promise<{ ok: true } | { ok: false; rejected: boolean; status?: number; error: string }> {
    const timestamp = Date.now();
    try {
      const response = await fetch(this.#options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'tether-event-id': String(id), 'tether-signature': signWebhook(this.#options.secret, timestamp, body) },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(this.#options.timeoutMs), this.#closed.signal]),
      });
      await response.arrayBuffer();
      if (response.ok) return { ok: true };
      const rejected = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
      return { ok: false, rejected, status: response.status, error: `the receiver answered ${response.status}` };
    } catch (error) {
      return { ok: false, rejected: false, error: `the receiver is unreachable: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}` };
    }
  }

  #advance(id: number): void {
    this.#cursor = id;
    setMeta(this.#options.db, CURSOR, String(id));
  }
}
