// What the compat endpoint needs of the daemon, named: the outbox intake, message records, the
// durable event log and its cursors, the link and the raw transport for requests Tether does not
// queue. Naming it keeps the endpoint testable and its reach visible.
import type { OutgoingMessage, SignalTransport } from '@tether/signal-transport';
import type { Uploads } from '../app/attachment-upload.js';
import type { EventLog } from '../app/event-log.js';
import type { MessageRecord, MetaStore } from '../app/ports.js';
import type { Status } from '../protocol/index.js';

export interface CompatSettings {
  readonly account: string;
  readonly maxAttachmentMb: number;
  readonly sendTimeoutMs: number;
  readonly compatSend: 'wait' | 'queue';
  readonly compatWaitMs: number;
  readonly compatListen: { readonly host: string; readonly port: number };
}

export interface CompatPort {
  readonly settings: CompatSettings;
  /** Commits one checked message; AppError when refused (full outbox, idempotency conflict, shutting down). */
  submit(message: OutgoingMessage, idempotencyKey: string | undefined): Promise<MessageRecord>;
  record(id: string): Promise<MessageRecord | undefined>;
  readonly events: Pick<EventLog, 'logged' | 'after' | 'lastId'>;
  readonly meta: MetaStore;
  /** The leader's transport; undefined while this instance stands by. */
  readonly transport: SignalTransport | undefined;
  linkUp(): boolean;
  backend(): Status['backend'];
  /** Submits a solved captcha; AppError `challenge-failed` when the backend refuses it. */
  challenge(token: string, captcha: string): Promise<unknown>;
  healthy(): Promise<boolean>;
  /** Where a send's attachments stream to while its body is read. */
  uploads(): Uploads;
  /** A stored attachment's bytes. */
  readBlob(id: string): AsyncIterable<Uint8Array>;
}
