// Who leads the account's link. With one tetherd (SQLite) it is always this one. With several on
// a shared database it is whoever holds the lease: a standby tries to take it every interval, the
// leader renews it about every second, and steps down the moment it cannot prove the lease is
// still its own. "Proof" is local: the lease counts as held only until the time of the last
// successful renewal's *request* plus the lease, less a margin, so a leader that was paused (or
// cut off from the database) stops acting before the database would let a standby take over.
import { Emitter, sleep, type Clock, type Event, type Logger } from '@tether/core';
import type { LeaderRecord, LeaseStore } from './ports.js';

export type Role = 'leader' | 'standby';

export interface RoleChange {
  readonly role: Role;
  /** The lease's epoch while leader. */
  readonly epoch?: number;
  /** Who leads now, as far as this instance knows. */
  readonly leader?: LeaderRecord;
}

export interface Leadership {
  /** Several tetherds share the database (and a lease decides who leads). */
  readonly shared: boolean;
  readonly role: Role;
  readonly epoch: number | undefined;
  /** The leader as last seen (this instance while leading); undefined without a shared store. */
  readonly leader: LeaderRecord | undefined;
  /**
   * While leading: the lease as it was just before this instance took it (the previous holder's,
   * with its last sign of life), or undefined when nobody had held it.
   */
  readonly takenFrom: LeaderRecord | undefined;
  /** True while this instance may act as the leader right now. */
  valid(): boolean;
  readonly onChange: Event<RoleChange>;
  /** Starts seeking or keeping the lead; resolves once the first try is done (the role and leader are known). */
  start(): Promise<void>;
  /** Gives the lead up (its parts could not start) and stays a standby for one lease before trying again. */
  resign(): Promise<void>;
  /** Stops renewing; a leader gives the lease up so a standby can take over at once. */
  close(): Promise<void>;
}

/** One tetherd on its own database: always the leader. */
export function soleLeadership(): Leadership {
  const changes = new Emitter<RoleChange>();
  return {
    shared: false,
    role: 'leader',
    epoch: undefined,
    leader: undefined,
    takenFrom: undefined,
    valid: () => true,
    onChange: changes.event,
    start: async () => undefined,
    resign: async () => undefined,
    close: async () => undefined,
  };
}

export interface LeaseLeadershipOptions {
  readonly leases: LeaseStore;
  readonly account: string;
  readonly instance: string;
  readonly host: string;
  /** How long a lease lasts unless renewed. @default 5_000 */
  readonly leaseMs: number;
  readonly clock: Clock;
  /** A monotonic clock in milliseconds (a paused process sees the pause). @default performance.now */
  readonly monotonic?: () => number;
  readonly logger: Logger;
}

/** Renew about five times per lease, so two failed renewals in a row still leave time. */
const RENEWALS_PER_LEASE = 5;
/**
 * A standby asks more often, and at least twice a second: a store that knows its holder died
 * (PostgreSQL: the holder's connection is gone) lets it take over at once, whatever the lease.
 */
const TRIES_PER_LEASE = 10;
const MAX_TRY_INTERVAL_MS = 500;
/** Of the lease, the part a leader never counts on (clock rate differences, the renewal's own trip). */
const SAFETY = 0.2;

export class LeaseLeadership implements Leadership {
  readonly shared = true;
  readonly #options: LeaseLeadershipOptions;
  readonly #monotonic: () => number;
  readonly #changes: Emitter<RoleChange>;
  readonly #closing = new AbortController();
  #role: Role = 'standby';
  #epoch: number | undefined;
  #leader: LeaderRecord | undefined;
  #takenFrom: LeaderRecord | undefined;
  /** Monotonic time until which the lease is ours for sure. */
  #validUntil = 0;
  /** Monotonic time before which no lease is sought (after resigning). */
  #holdOffUntil = 0;
  #loop: Promise<void> | undefined;
  #firstTry: Promise<void> | undefined;

  constructor(options: LeaseLeadershipOptions) {
    this.#options = options;
    this.#monotonic = options.monotonic ?? (() => performance.now());
    this.#changes = new Emitter({ logger: options.logger, name: 'role change' });
  }

  get role(): Role {
    return this.#role;
  }

  get epoch(): number | undefined {
    return this.#role === 'leader' ? this.#epoch : undefined;
  }

  get leader(): LeaderRecord | undefined {
    return this.#leader;
  }

  get takenFrom(): LeaderRecord | undefined {
    return this.#role === 'leader' ? this.#takenFrom : undefined;
  }

  get onChange(): Event<RoleChange> {
    return this.#changes.event;
  }

  valid(): boolean {
    return this.#role === 'leader' && this.#monotonic() < this.#validUntil;
  }

  start(): Promise<void> {
    if (this.#firstTry === undefined) {
      let tried!: () => void;
      this.#firstTry = new Promise((resolve) => (tried = resolve));
      this.#loop = this.#run(tried);
    }
    return this.#firstTry;
  }

  async resign(): Promise<void> {
    this.#holdOffUntil = this.#monotonic() + this.#options.leaseMs;
    await this.#release();
  }

  async close(): Promise<void> {
    this.#closing.abort();
    await this.#loop;
    await this.#release();
  }

  async #release(): Promise<void> {
    if (this.#role !== 'leader' || this.#epoch === undefined) return;
    const { leases, account, instance } = this.#options;
    const epoch = this.#epoch;
    this.#become('standby', undefined);
    await leases.release({ account, instance, epoch }).catch((error: unknown) => this.#options.logger.warn({ err: error }, 'the lease could not be released; a standby takes over when it lapses'));
  }

  async #run(tried: () => void): Promise<void> {
    const { leaseMs, clock, logger } = this.#options;
    while (!this.#closing.signal.aborted) {
      try {
        await this.#step();
      } catch (error) {
        logger.warn({ err: error, role: this.#role }, 'the lease could not be read or renewed');
      }
      tried();
      // A leader whose proof ran out steps down even if the database cannot be asked.
      if (this.#role === 'leader' && !this.valid()) this.#become('standby', this.#leader);
      try {
        const interval = this.#role === 'leader' ? leaseMs / RENEWALS_PER_LEASE : Math.min(MAX_TRY_INTERVAL_MS, leaseMs / TRIES_PER_LEASE);
        await sleep(clock, Math.max(50, Math.floor(interval)), this.#closing.signal);
      } catch {
        return; // closing
      }
    }
  }

  async #step(): Promise<void> {
    const { leases, account, instance, host, leaseMs } = this.#options;
    if (this.#role === 'standby' && this.#monotonic() < this.#holdOffUntil) {
      this.#leader = await leases.current(account);
      return;
    }
    const asked = this.#monotonic();
    const result =
      this.#role === 'leader' && this.#epoch !== undefined
        ? await leases.renew({ account, instance, epoch: this.#epoch, leaseMs })
        : await leases.acquire({ account, instance, host, leaseMs });
    if (this.#closing.signal.aborted) return;
    if (result.held) {
      this.#validUntil = asked + leaseMs * (1 - SAFETY);
      this.#epoch = result.lease.epoch;
      this.#leader = result.lease;
      if (this.#role !== 'leader') {
        this.#takenFrom = result.previous;
        this.#become('leader', result.lease);
      }
      return;
    }
    this.#leader = result.holder;
    if (this.#role === 'leader') this.#become('standby', result.holder);
  }

  #become(role: Role, leader: LeaderRecord | undefined): void {
    const from = this.#role;
    this.#role = role;
    if (role === 'standby') this.#validUntil = 0;
    this.#options.logger[role === 'leader' ? 'info' : 'warn'](
      { from, to: role, epoch: this.#epoch, leader: leader && { instance: leader.instance, host: leader.host } },
      role === 'leader' ? 'took the lead of the account' : 'stepped down: another instance leads, or the lease could not be renewed',
    );
    this.#changes.emit({ role, ...(role === 'leader' && this.#epoch !== undefined ? { epoch: this.#epoch } : {}), ...(leader ? { leader } : {}) });
  }
}
