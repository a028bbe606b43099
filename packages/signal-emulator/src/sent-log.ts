// What "Signal" accepted from the account. Kept in memory across stop()/restart() and, with a
// record file, appended as NDJSON and reloaded at start so a restarted process keeps its history.
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { AttachmentSummary } from './attachments.js';

export type BackendKind = 'rest' | 'jsonrpc';

/** A quote as signal-cli received it: `quote-timestamp`, `-author`, `-message`, `-mention`. */
export interface SentQuote {
  timestamp: number;
  author?: string;
  message?: string;
  /** `start:length:author`. */
  mentions?: readonly string[];
}

export interface SentRecord {
  backend: BackendKind;
  /** The account that sent it (records written before multi-account support have none). */
  account?: string;
  /** The Signal timestamp the send answered with (the message id). */
  timestamp: number;
  /** Individual recipients: E.164 numbers, UUIDs, usernames as `u:name.01`. Empty for a group send. */
  recipients: string[];
  /** Raw signal-cli group id (not the REST `group.…` form) when the send went to a group. */
  groupId?: string;
  /** The text; null when the send carried none. */
  message: string | null;
  attachments: AttachmentSummary[];
  /** signal-cli `text-style` strings (`start:length:STYLE`), present when given: REST's styled text arrives so. */
  textStyles?: string[];
  /** signal-cli `mention` strings (`start:length:author`), present when given. */
  mentions?: string[];
  /** Present when the send quoted a message. */
  quote?: SentQuote;
  /** Emulator clock time when the send was accepted. */
  receivedAt: number;
}

export class SentLog {
  readonly #records: SentRecord[] = [];
  #descriptor: number | undefined;

  constructor(recordFile?: string) {
    if (recordFile === undefined) return;
    const existing = existsSync(recordFile) ? readFileSync(recordFile, 'utf8') : '';
    this.#records.push(...parseRecords(existing));
    this.#descriptor = openSync(recordFile, 'a');
    // End a line torn by a crash, so the next record starts on a line of its own.
    if (existing !== '' && !existing.endsWith('\n')) writeSync(this.#descriptor, '\n');
  }

  add(record: SentRecord): void {
    this.#records.push(record);
    // A synchronous append: once a send is answered, its record is already in the file.
    if (this.#descriptor !== undefined) writeSync(this.#descriptor, `${JSON.stringify(record)}\n`);
  }

  all(): SentRecord[] {
    return this.#records.map((record) => ({ ...record, recipients: [...record.recipients], attachments: [...record.attachments] }));
  }

  close(): void {
    if (this.#descriptor === undefined) return;
    closeSync(this.#descriptor);
    this.#descriptor = undefined;
  }
}

/** Skips lines that are not records: a torn last line after a crash must not stop the emulator. */
export function parseRecords(text: string): SentRecord[] {
  const records: SentRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(line);
      if (isSentRecord(value)) records.push(value);
    } catch {
      // torn or foreign line
    }
  }
  return records;
}

function isSentRecord(value: unknown): value is SentRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<SentRecord>;
  return (
    (record.backend === 'rest' || record.backend === 'jsonrpc') &&
    typeof record.timestamp === 'number' &&
    Array.isArray(record.recipients) &&
    Array.isArray(record.attachments) &&
    typeof record.receivedAt === 'number'
  );
}
