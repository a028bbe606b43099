// The PostgreSQL store's own refusals, branded like core's errors so that a `code` check works
// across duplicate installs: a write under a lease that is no longer ours, and a database that
// belongs to another account or to a newer tetherd.
import { TetherError } from '@tether/core';

/** A fenced state change whose lease epoch is no longer current (another instance leads, or the lease lapsed). Nothing was changed. */
export class FencedError extends TetherError {
  readonly epoch: number;

  constructor(message: string, epoch: number) {
    super('fenced', message);
    this.epoch = epoch;
  }

  static override isInstance(value: unknown): value is FencedError {
    return TetherError.isInstance(value) && value.code === 'fenced';
  }
}

/** The database cannot be used by this tetherd (another account's, or a newer schema). */
export class DatabaseRefusedError extends TetherError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('database-refused', message, options);
  }
}
