// The tetherds of a soak: one on SQLite, or three (a, b, c) sharing one PostgreSQL database.
// Clients spread over the live ones and move on when one goes down; the leader (the one holding
// the account's lease) is found the way an operator finds it, by asking `GET /v1/status`.
import type { DaemonProcess } from './daemon-process.js';
import { delay, type Answer } from './http.js';

interface RoleStatus {
  readonly role?: 'leader' | 'standby';
  readonly leader?: { readonly instance: string };
}

export class Cluster {
  readonly members: readonly DaemonProcess[];
  #turn = 0;

  constructor(members: readonly DaemonProcess[]) {
    if (members.length === 0) throw new Error('a cluster needs at least one tetherd');
    this.members = members;
  }

  get shared(): boolean {
    return this.members.length > 1;
  }

  /** Every unrequested exit of any member. */
  get crashes(): string[] {
    return this.members.flatMap((member) => member.crashes);
  }

  /** The next live member in turn (waits while none is up). */
  async next(): Promise<DaemonProcess> {
    for (;;) {
      for (let step = 0; step < this.members.length; step++) {
        const member = this.members[this.#turn++ % this.members.length]!;
        if (member.up) return member;
      }
      await Promise.race(this.members.map((member) => member.whenUp()));
    }
  }

  /** Resolves once any member is up. */
  async whenUp(): Promise<void> {
    await this.next();
  }

  /** Asks the live members in turn until one answers; rejects with the last error if none did. */
  async request<T = unknown>(method: string, pathname: string, options: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Answer<T>> {
    let failure: unknown = new Error('no tetherd is up');
    for (const member of this.members) {
      if (!member.up) continue;
      try {
        return await member.request<T>(method, pathname, options);
      } catch (error) {
        failure = error;
      }
    }
    throw failure;
  }

  /**
   * The member that says it leads (on SQLite, the only one). Asks every live member, and again
   * while a handover is under way, until `timeoutMs`.
   */
  async leader(timeoutMs = 20_000): Promise<DaemonProcess> {
    if (!this.shared) return this.members[0]!;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const roles = await Promise.all(
        this.members.map(async (member) => (member.up ? await member.request<RoleStatus>('GET', '/v1/status', { timeoutMs: 2_000 }).then((answer) => answer.body, () => undefined) : undefined)),
      );
      const leading = this.members.find((_, index) => roles[index]?.role === 'leader');
      if (leading) return leading;
      if (Date.now() > deadline) throw new Error(`no tetherd leads after ${timeoutMs} ms (roles: ${roles.map((role, index) => `${this.members[index]!.name} ${role?.role ?? 'no answer'}`).join(', ')})`);
      await delay(100);
    }
  }
}
