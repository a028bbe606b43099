// The lease loop on a fake clock over an in-memory lease: who leads, when a leader must stop
// acting (its own proof ran out, even with the database unreachable), resigning, closing.
import { noopLogger } from '@tether/core';
import { FakeClock } from '@tether/core/testing';
import { describe, expect, it } from 'vitest';
import { LeaseLeadership, type RoleChange } from './leadership.js';
import type { LeaderRecord, LeaseResult, LeaseStore } from './ports.js';

/** One lease row, timed by the fake clock; `down` makes every call fail like an unreachable database. */
class MemoryLeases implements LeaseStore {
  row: LeaderRecord | undefined;
  down = false;
  readonly calls: string[] = [];

  constructor(private readonly clock: FakeClock) {}

  async acquire(request: { account: string; instance: string; host: string; leaseMs: number }): Promise<LeaseResult> {
    this.#call('acquire');
    const now = this.clock.now();
    const row = this.row;
    if (row && row.instance !== request.instance && row.expiresAt > now) return { held: false, holder: row };
    const keeps = row !== undefined && row.instance === request.instance && row.expiresAt > now;
    const lease = { instance: request.instance, host: request.host, epoch: keeps ? row.epoch : (row?.epoch ?? 0) + 1, since: keeps ? row.since : now, expiresAt: now + request.leaseMs, renewedAt: now };
    this.row = lease;
    return { held: true, lease, ...(row ? { previous: row } : {}) };
  }

  async renew(request: { account: string; instance: string; epoch: number; leaseMs: number }): Promise<LeaseResult> {
    this.#call('renew');
    if (this.row?.instance !== request.instance || this.row.epoch !== request.epoch) return { held: false, holder: this.row };
    this.row = { ...this.row, expiresAt: this.clock.now() + request.leaseMs, renewedAt: this.clock.now() };
    return { held: true, lease: this.row };
  }

  async release(request: { account: string; instance: string; epoch: number }): Promise<void> {
    this.#call('release');
    if (this.row?.instance === request.instance && this.row.epoch === request.epoch) this.row = { ...this.row, expiresAt: this.clock.now() };
  }

  async current(): Promise<LeaderRecord | undefined> {
    this.#call('current');
    return this.row;
  }

  #call(name: string): void {
    this.calls.push(name);
    if (this.down) throw new Error('connection refused');
  }
}

function setup(instance = 'a', leaseMs = 5_000) {
  const clock = new FakeClock(1_000_000);
  const leases = new MemoryLeases(clock);
  // the monotonic clock follows the fake one; `pause` moves it alone (a process that was stopped)
  let paused = 0;
  const monotonic = () => clock.now() + paused;
  const leadership = new LeaseLeadership({ leases, account: '+4915112345678', instance, host: `${instance}.local`, leaseMs, clock, monotonic, logger: noopLogger });
  const changes: RoleChange[] = [];
  leadership.onChange((change) => changes.push(change));
  return { clock, leases, leadership, changes, pause: (ms: number) => (paused += ms) };
}

describe('LeaseLeadership', () => {
  it('takes a free lease, renews it about five times per lease, and gives it up when closed', async () => {
    const { clock, leases, leadership, changes } = setup();
    await leadership.start();
    await clock.advanceAsync(0);
    expect(leadership.role).toBe('leader');
    expect(leadership.valid()).toBe(true);
    expect(changes).toEqual([{ role: 'leader', epoch: 1, leader: expect.objectContaining({ instance: 'a' }) }]);
    expect(leadership.takenFrom).toBeUndefined(); // nobody held it before
    leases.calls.length = 0;
    await clock.advanceAsync(5_000);
    expect(leases.calls).toEqual(['renew', 'renew', 'renew', 'renew', 'renew']);
    await leadership.close();
    expect(leadership.role).toBe('standby');
    expect(leases.row!.expiresAt).toBe(clock.now());
  });

  it('stands by while another holds the lease, asking twice a second, and leads once it lapses', async () => {
    const { clock, leases, leadership, changes } = setup('b', 60_000);
    leases.row = { instance: 'a', host: 'a.local', epoch: 4, since: 0, expiresAt: clock.now() + 3_000, renewedAt: clock.now() - 2_000 };
    await leadership.start();
    await clock.advanceAsync(0);
    expect(leadership.role).toBe('standby');
    expect(leadership.leader).toMatchObject({ instance: 'a', epoch: 4 });
    leases.calls.length = 0;
    await clock.advanceAsync(2_000);
    expect(leases.calls).toEqual(['acquire', 'acquire', 'acquire', 'acquire']);
    await clock.advanceAsync(1_000);
    expect(leadership.role).toBe('leader');
    expect(leadership.epoch).toBe(5);
    expect(changes.at(-1)).toMatchObject({ role: 'leader', epoch: 5 });
    // the holder it replaced, with that holder's last sign of life (where a loss window starts)
    expect(leadership.takenFrom).toMatchObject({ instance: 'a', epoch: 4, renewedAt: 1_000_000 - 2_000 });
    await leadership.close();
    expect(leadership.takenFrom).toBeUndefined();
  });

  it('stops acting once its proof runs out, though the database cannot be asked', async () => {
    const { clock, leases, leadership, changes } = setup();
    await leadership.start();
    await clock.advanceAsync(0);
    leases.down = true;
    // renewals fail; the lease (5 s) is trusted for 80 % of its length from the last good request
    await clock.advanceAsync(3_000);
    expect(leadership.valid()).toBe(true);
    expect(leadership.role).toBe('leader');
    await clock.advanceAsync(1_000);
    expect(leadership.valid()).toBe(false);
    expect(leadership.role).toBe('standby');
    expect(changes.map((change) => change.role)).toEqual(['leader', 'standby']);
    // the database is back, nobody else took the lease: the same term goes on
    leases.down = false;
    await clock.advanceAsync(1_000);
    expect(leadership.role).toBe('leader');
    await leadership.close();
  });

  it('is not valid the moment it resumes from a pause longer than its lease, before any timer runs', async () => {
    const { clock, leadership, pause } = setup();
    await leadership.start();
    await clock.advanceAsync(0);
    expect(leadership.valid()).toBe(true);
    pause(6_000); // SIGSTOP and SIGCONT: the monotonic clock moved, no timer has run yet
    expect(leadership.role).toBe('leader');
    expect(leadership.valid()).toBe(false);
    await leadership.close();
  });

  it('steps down when another took the lease, and after resigning waits one lease before trying again', async () => {
    const { clock, leases, leadership } = setup();
    await leadership.start();
    await clock.advanceAsync(0);
    leases.row = { ...leases.row!, instance: 'z', epoch: 9 };
    await clock.advanceAsync(1_000);
    expect(leadership.role).toBe('standby');
    expect(leadership.leader).toMatchObject({ instance: 'z', epoch: 9 });

    leases.row = undefined;
    await clock.advanceAsync(500);
    expect(leadership.role).toBe('leader');
    await leadership.resign();
    expect(leadership.role).toBe('standby');
    leases.calls.length = 0;
    await clock.advanceAsync(4_500);
    expect(leases.calls.every((call) => call === 'current')).toBe(true);
    expect(leadership.role).toBe('standby');
    await clock.advanceAsync(1_000);
    expect(leadership.role).toBe('leader');
    await leadership.close();
  });
});
