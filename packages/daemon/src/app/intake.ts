// Accepts messages into the durable outbox with group commit: every request that arrives in the
// same turn of the event loop, or while the previous group is being committed, is committed in one
// store call (one transaction), then each is answered. One group is in flight at a time: with an
// asynchronous store (PostgreSQL) the requests that arrive during a commit's round trip form the
// next group, so the number of round trips falls as the load rises. A request is all or nothing
// (a batch, or an Idempotency-Key seen before, which returns the messages it created when the body
// is the same and a conflict otherwise).
import { AppError } from './errors.js';
import type { MessageRecord, MessageStore, Submission, SubmitResult } from './ports.js';

/** A store that could not commit (a full disk, a database that is away) is asked again after this. */
const STORAGE_RETRY_SECONDS = 5;

export type IntakeResult = { readonly created: boolean; readonly records: readonly MessageRecord[] };

interface Pending {
  readonly submission: Submission;
  readonly resolve: (result: IntakeResult) => void;
  readonly reject: (error: unknown) => void;
}

export interface IntakeOptions {
  readonly store: Pick<MessageStore, 'submit'>;
  readonly now: () => number;
  /** Told about every message committed (in order), before the requests are answered. */
  readonly committed: (records: readonly MessageRecord[]) => void | Promise<void>;
}

export class Intake {
  readonly #options: IntakeOptions;
  #batch: Pending[] = [];
  #open = true;
  /** The group being committed, if any. */
  #inFlight: Promise<void> | undefined;

  constructor(options: IntakeOptions) {
    this.#options = options;
  }

  /** Stops taking messages (shutdown): later submissions are refused, nothing is half-accepted. */
  close(): void {
    this.#open = false;
  }

  submit(submission: Submission): Promise<IntakeResult> {
    if (!this.#open) return Promise.reject(new AppError('shutting-down', 'tetherd is shutting down; nothing was accepted', { retryAfterSeconds: 5 }));
    return new Promise((resolve, reject) => {
      if (this.#batch.push({ submission, resolve, reject }) === 1 && this.#inFlight === undefined) setImmediate(() => this.#next());
    });
  }

  /** Commits what has gathered, then (if more came meanwhile) the next group. */
  #next(): void {
    if (this.#batch.length === 0) return;
    this.#inFlight = this.#commit().finally(() => {
      this.#inFlight = undefined;
      this.#next();
    });
  }

  async #commit(): Promise<void> {
    const batch = this.#batch;
    this.#batch = [];
    let results: readonly SubmitResult[];
    try {
      results = await this.#options.store.submit(
        batch.map((pending) => pending.submission),
        this.#options.now(),
      );
    } catch (error) {
      const failure = new AppError('storage-failed', `the outbox could not commit: ${(error as Error).message}`, { cause: error, retryAfterSeconds: STORAGE_RETRY_SECONDS });
      for (const pending of batch) pending.reject(failure);
      return;
    }
    const created = results.flatMap((result) => (result.ok && result.created ? result.records : []));
    try {
      if (created.length > 0) await this.#options.committed(created);
    } finally {
      batch.forEach((pending, index) => {
        const result = results[index]!;
        if (result.ok) pending.resolve({ created: result.created, records: result.records });
        else pending.reject(result.error);
      });
    }
  }
}
