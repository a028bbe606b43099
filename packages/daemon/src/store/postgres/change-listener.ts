// The store's ear on the database: one dedicated connection that LISTENs on the changes channel
// (the triggers NOTIFY `events:<highest id>` or `messages` at each commit, from any instance) and
// tells the store's subscribers. When the connection drops (a server restart, a network cut) it reconnects
// by itself with backoff; notifications sent meanwhile are lost, so once listening again it
// reports both kinds of change once and readers catch up by reading. A connection that silently
// stops answering (half-open: no RST ever comes) is caught by a heartbeat query with a deadline.
import { backoffDelay, clampTimerMs, Emitter, type BackoffPolicy, type Logger } from '@tether/core';
import pg from 'pg';
import type { StoreChange } from '../../app/ports.js';
import { CHANGES_CHANNEL, connectionConfig } from './database.js';

/** A change, and for `events` the highest event id the commit wrote (when the notification said). */
export interface StoreNotice {
  readonly change: StoreChange;
  readonly upTo?: number;
}

const CHANGES: readonly StoreChange[] = ['events', 'messages'];

export class ChangeListener {
  readonly #url: string;
  readonly #logger: Logger;
  readonly #backoff: BackoffPolicy;
  readonly #changes: Emitter<StoreNotice>;
  #client: pg.Client | undefined;
  readonly #heartbeatMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #attempt = 0;
  #listenedBefore = false;
  #closed = false;

  readonly #isOwn: (pid: number) => boolean;

  /** `isOwn`: notifications from these server processes are this instance's own commits, which it announces itself. */
  constructor(url: string, options: { readonly logger: Logger; readonly backoff: BackoffPolicy; readonly heartbeatMs: number; readonly isOwn?: (pid: number) => boolean }) {
    this.#url = url;
    this.#isOwn = options.isOwn ?? (() => false);
    this.#heartbeatMs = options.heartbeatMs;
    this.#logger = options.logger;
    this.#backoff = options.backoff;
    this.#changes = new Emitter({ logger: options.logger, name: 'store change' });
  }

  get onChange(): Emitter<StoreNotice>['event'] {
    return this.#changes.event;
  }

  /** True while the LISTEN connection is up. */
  get listening(): boolean {
    return this.#client !== undefined;
  }

  /** The first connection; a failure is retried in the background like any later loss. */
  start(): Promise<void> {
    return this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearInterval(this.#heartbeat);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    this.#timer = undefined;
    const client = new pg.Client({ ...connectionConfig(this.#url), connectionTimeoutMillis: this.#heartbeatMs, query_timeout: this.#heartbeatMs });
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, undefined));
    client.on('notification', (notification) => {
      if (notification.channel !== CHANGES_CHANNEL || this.#isOwn(notification.processId)) return;
      const [change, upTo] = (notification.payload ?? '').split(':') as [StoreChange, string | undefined];
      if (CHANGES.includes(change)) this.#changes.emit(upTo === undefined ? { change } : { change, upTo: Number(upTo) });
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      void client.end().catch(() => undefined);
      this.#retry(error);
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#attempt = 0;
    this.#heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((error: unknown) => this.#lost(client, error as Error));
    }, this.#heartbeatMs);
    if (this.#listenedBefore) {
      this.#logger.info({ channel: CHANGES_CHANNEL }, 'listening for store changes again');
      for (const change of CHANGES) this.#changes.emit({ change });
    }
    this.#listenedBefore = true;
  }

  #lost(client: pg.Client, error: Error | undefined): void {
    if (client !== this.#client) return;
    this.#client = undefined;
    clearInterval(this.#heartbeat);
    void client.end().catch(() => undefined);
    this.#retry(error);
  }

  #retry(error: unknown): void {
    if (this.#closed) return;
    const delayMs = clampTimerMs(backoffDelay(this.#backoff, this.#attempt));
    this.#logger.warn({ err: error, attempt: this.#attempt, delayMs }, 'store change listener disconnected; reconnecting');
    this.#attempt++;
    this.#timer = setTimeout(() => void this.#connect(), delayMs);
  }
}
