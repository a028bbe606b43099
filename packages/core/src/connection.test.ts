import { describe, expect, it } from 'vitest';
import { LOSS_PRONE_BACKOFF } from './backoff.js';
import { Connection, type LinkChange } from './connection.js';
import type { LinkState } from './connection-machine.js';
import { TransportError } from './errors.js';
import type { Receipt } from './transport.js';
import { FakeClock, flushPromises } from './testing/fake-clock.js';
import { FakeTransport } from './testing/fake-transport.js';

const half = (): number => 0.5;

function setup(options: { backlog?: boolean; heartbeat?: boolean } = {}) {
  const clock = new FakeClock(1_000);
  const transport = new FakeTransport<unknown, string>();
  const incoming: string[] = [];
  const changes: LinkChange[] = [];
  const connection = new Connection<string>({
    transport,
    clock,
    random: half,
    backoff: { initialMs: 1_000, factor: 2, maxMs: 8_000, jitter: 'none' },
    minUptimeMs: 5_000,
    connectTimeoutMs: 2_000,
    heartbeatIntervalMs: 10_000,
    heartbeatTimeoutMs: 3_000,
    hasBacklog: () => options.backlog ?? false,
    onIncoming: (event) => incoming.push(event),
  });
  connection.onChange((change) => changes.push(change));
  return { clock, transport, connection, incoming, changes };
}

const path = (changes: LinkChange[]): string[] => changes.map((change) => change.to);

describe('Connection', () => {
  it('connects on start and reports connected when there is no backlog', async () => {
    const { transport, connection, changes } = setup();
    expect(connection.state.kind).toBe('connecting');
    connection.start();
    connection.start(); // a second start does nothing
    await flushPromises();
    expect(transport.connects).toBe(1);
    expect(connection.state.kind).toBe('connected');
    expect(connection.isUp).toBe(true);
    expect(changes).toEqual([expect.objectContaining({ from: 'connecting', to: 'connected', attempt: 0, cause: 'link ready' })]);
  });

  it('goes through syncing when a backlog waits, and to connected once it is drained', async () => {
    const { connection, changes } = setup({ backlog: true });
    connection.start();
    await flushPromises();
    expect(connection.state.kind).toBe('syncing');
    connection.backlogDrained();
    expect(path(changes)).toEqual(['syncing', 'connected']);
  });

  it('backs off between failed attempts with the scheduled delays, then recovers', async () => {
    const { clock, transport, connection, changes } = setup();
    transport.failNextConnect(new Error('refused'), 3);
    connection.start();
    await flushPromises();
    expect(connection.state).toMatchObject({ kind: 'disconnected', attempt: 1, delayMs: 1_000, nextAttemptAt: 2_000, cause: 'refused' });
    await clock.advanceAsync(999);
    expect(transport.connects).toBe(1);
    await clock.advanceAsync(1);
    expect(transport.connects).toBe(2);
    expect(connection.state).toMatchObject({ kind: 'disconnected', attempt: 2, delayMs: 2_000 });
    await clock.advanceAsync(2_000);
    expect(connection.state).toMatchObject({ kind: 'disconnected', attempt: 3, delayMs: 4_000 });
    await clock.advanceAsync(4_000);
    expect(connection.state.kind).toBe('connected');
    expect(connection.lastError).toBe('refused');
    expect(path(changes)).toEqual(['disconnected', 'reconnecting', 'disconnected', 'reconnecting', 'disconnected', 'reconnecting', 'connected']);
    const delays = changes.filter((change) => change.to === 'disconnected').map((change) => change.delayMs);
    expect(delays).toEqual([1_000, 2_000, 4_000]);
  });

  it('aborts a connect attempt that exceeds the connect timeout and retries', async () => {
    const { clock, transport, connection } = setup();
    transport.hangNextConnect();
    connection.start();
    await clock.advanceAsync(1_999);
    expect(connection.state.kind).toBe('connecting');
    await clock.advanceAsync(1);
    expect(connection.state).toMatchObject({ kind: 'disconnected', attempt: 1 });
    expect(connection.lastError).toMatch(/within 2000 ms/);
    await clock.advanceAsync(1_000);
    expect(connection.state.kind).toBe('connected');
  });

  it('resets the attempt counter only after the minimum uptime', async () => {
    const { clock, transport, connection } = setup();
    transport.failNextConnect(new Error('refused'), 2);
    connection.start();
    await clock.advanceAsync(1_000 + 2_000);
    expect(connection.state).toMatchObject({ kind: 'connected', attempt: 2 });
    // flapping: the link drops before it proved itself, so the next delay keeps growing
    transport.drop();
    await flushPromises();
    expect(connection.state).toMatchObject({ kind: 'disconnected', attempt: 3, delayMs: 4_000 });
    await clock.advanceAsync(4_000);
    expect(connection.state).toMatchObject({ kind: 'connected', attempt: 3 });
    await clock.advanceAsync(5_000);
    expect(connection.state).toMatchObject({ kind: 'connected', attempt: 0 });
    transport.drop();
    await flushPromises();
    expect(connection.state).toMatchObject({ kind: 'disconnected', attempt: 1, delayMs: 1_000 });
  });

  it('uses the loss-prone preset to retry within 250 ms', async () => {
    const clock = new FakeClock(0);
    const transport = new FakeTransport();
    const connection = new Connection({ transport, clock, random: () => 0.999, backoff: LOSS_PRONE_BACKOFF });
    connection.start();
    await flushPromises();
    transport.drop();
    await flushPromises();
    expect(connection.state.kind).toBe('disconnected');
    const state = connection.state as Extract<LinkState, { kind: 'disconnected' }>;
    expect(state.delayMs).toBeLessThan(250);
    await connection.close();
  });

  it('passes incoming events on in order and survives a throwing handler', async () => {
    const clock = new FakeClock(0);
    const transport = new FakeTransport<unknown, string>();
    const seen: string[] = [];
    const connection = new Connection<string>({
      transport,
      clock,
      onIncoming: (event) => {
        seen.push(event);
        if (event === 'b') throw new Error('handler bug');
      },
    });
    connection.start();
    await flushPromises();
    for (const event of ['a', 'b', 'c']) transport.emit(event);
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(connection.state.kind).toBe('connected');
    expect(connection.lastActivityAt).toBe(0);
    await connection.close();
  });

  it('pings an idle link and declares it lost when the ping goes unanswered', async () => {
    const { clock, transport, connection, changes } = setup();
    connection.start();
    await flushPromises();
    const link = transport.link!;
    await clock.advanceAsync(10_000);
    expect(link.pings).toBe(1);
    expect(connection.state.kind).toBe('connected'); // answered
    link.silent = true;
    await clock.advanceAsync(10_000);
    expect(link.pings).toBe(2);
    await clock.advanceAsync(2_999);
    expect(connection.state.kind).toBe('connected');
    await clock.advanceAsync(1);
    expect(connection.state.kind).toBe('disconnected');
    expect(changes.at(-1)?.cause).toMatch(/heartbeat-timeout/);
    expect(link.isOpen).toBe(false);
  });

  it('close() settles at once: aborts a pending connect, cancels timers, ends streams', async () => {
    const { clock, transport, connection } = setup();
    transport.hangNextConnect();
    connection.start();
    const states = connection.states();
    expect((await states.next()).value).toMatchObject({ kind: 'connecting' });
    await connection.close();
    expect(connection.state.kind).toBe('closed');
    expect(clock.pending).toBe(0);
    expect((await states.next()).value).toMatchObject({ kind: 'closed' });
    expect(await states.next()).toMatchObject({ done: true });
    connection.start(); // nothing after close
    expect(transport.connects).toBe(1);
  });

  it('close() while disconnected cancels the retry timer; while connected closes the link', async () => {
    const first = setup();
    first.transport.failNextConnect();
    first.connection.start();
    await flushPromises();
    expect(first.clock.pending).toBe(1);
    await first.connection.close();
    expect(first.clock.pending).toBe(0);

    const second = setup();
    second.connection.start();
    await flushPromises();
    const link = second.transport.link!;
    await second.connection[Symbol.asyncDispose]();
    expect(await link.closed).toEqual({ reason: 'closed-by-client' });
    expect(second.clock.pending).toBe(0);
  });

  it('streams the current state first, then each change', async () => {
    const { transport, connection } = setup();
    const controller = new AbortController();
    const states = connection.states({ signal: controller.signal });
    connection.start();
    await flushPromises();
    transport.drop();
    await flushPromises();
    const seen: string[] = [];
    for await (const state of states) {
      seen.push(state.kind);
      if (seen.length === 3) controller.abort();
    }
    expect(seen).toEqual(['connecting', 'connected', 'disconnected']);
  });

  it('ignores a link that arrives after close and closes it', async () => {
    const clock = new FakeClock(0);
    let release!: () => void;
    const link = { closed: new Promise<never>(() => {}), closedCalls: 0, close() { this.closedCalls++; } };
    const connection = new Connection({
      clock,
      transport: { kind: 'slow', connect: () => new Promise((resolve) => (release = () => resolve(link))) },
    });
    connection.start();
    const closing = connection.close();
    release();
    await closing;
    expect(link.closedCalls).toBe(1);
  });

  it('stops in failed on a non-retriable TransportError, with the reason, until reconnect()', async () => {
    const { clock, transport, connection, changes } = setup();
    transport.failNextConnect(new TransportError('token revoked (401)', { retriable: false }));
    connection.start();
    await flushPromises();
    expect(connection.state).toEqual({ kind: 'failed', since: 1_000, attempt: 1, reason: 'token revoked (401)' });
    expect(connection.lastError).toBe('token revoked (401)');
    expect(changes.at(-1)).toMatchObject({ from: 'connecting', to: 'failed', cause: 'token revoked (401)' });
    expect(clock.pending).toBe(0); // nothing retries
    await clock.advanceAsync(3_600_000);
    expect(transport.connects).toBe(1);
    connection.reconnect();
    await flushPromises();
    expect(path(changes)).toEqual(['failed', 'connecting', 'connected']);
    expect(connection.state).toMatchObject({ kind: 'connected', attempt: 0 });
  });

  it('reconnect() cuts a backoff wait short, and starts a connection never started', async () => {
    const { clock, transport, connection } = setup();
    connection.reconnect();
    expect(transport.connects).toBe(1);
    await flushPromises();
    transport.drop();
    await flushPromises();
    expect(connection.state.kind).toBe('disconnected');
    connection.reconnect();
    await flushPromises();
    expect(connection.state.kind).toBe('connected');
    expect(clock.pending).toBe(2); // the uptime timer and the heartbeat; the old retry timer is gone
  });

  it('runs the retry before telling listeners, and a throwing listener cannot stall the loop', async () => {
    const { clock, transport, connection } = setup();
    const pendingWhenTold: number[] = [];
    connection.onChange((change) => {
      if (change.to === 'disconnected') pendingWhenTold.push(clock.pending);
      throw new Error('SQLite: database or disk is full');
    });
    transport.failNextConnect(new Error('refused'), 2);
    connection.start();
    await flushPromises();
    expect(connection.state.kind).toBe('disconnected');
    expect(pendingWhenTold).toEqual([1]); // the retry timer was armed first
    await clock.advanceAsync(1_000 + 2_000);
    expect(connection.state.kind).toBe('connected');
    transport.drop();
    await flushPromises();
    await clock.advanceAsync(4_000);
    expect(connection.state.kind).toBe('connected');
    expect(transport.connects).toBe(4);
  });

  it('passes receipts on as activity, and survives a throwing receipt handler', async () => {
    const clock = new FakeClock(0);
    const transport = new FakeTransport<unknown, string>();
    const receipts: Receipt[] = [];
    const connection = new Connection<string>({
      transport,
      clock,
      onReceipt: (receipt) => {
        receipts.push(receipt);
        throw new Error('handler bug');
      },
    });
    connection.start();
    await flushPromises();
    clock.advance(700);
    transport.receipt('read', ['1000']);
    expect(receipts).toEqual([{ type: 'read', backendIds: ['1000'] }]);
    expect(connection.lastActivityAt).toBe(700);
    await connection.close();
  });

  it('treats a connect that throws instead of rejecting as a failed attempt', async () => {
    const clock = new FakeClock(0);
    const connection = new Connection({
      clock,
      random: () => 0,
      transport: {
        kind: 'throwing',
        connect: () => {
          throw new Error('bug in connect');
        },
      },
    });
    connection.start();
    await flushPromises();
    expect(connection.state).toMatchObject({ kind: 'disconnected', cause: 'bug in connect' });
    await connection.close();
  });

  it('announces a change made by a listener after the change that caused it, to everyone, in order', async () => {
    const clock = new FakeClock(0);
    const transport = new FakeTransport<unknown, string>();
    const connection = new Connection<string>({ transport, clock });
    const seen: string[] = [];
    const states = connection.states();
    connection.onChange((change) => {
      if (change.to === 'connected') connection.backlogDrained(); // a nested dispatch that changes nothing
      if (change.to === 'connected') transport.drop();
    });
    connection.onChange((change) => seen.push(`${change.from}→${change.to}`));
    connection.start();
    await flushPromises();
    expect(seen).toEqual(['connecting→connected', 'connected→disconnected']);
    const streamed: string[] = [];
    for (let i = 0; i < 3; i++) streamed.push((await states.next()).value.kind);
    expect(streamed).toEqual(['connecting', 'connected', 'disconnected']);
    await connection.close();
  });
});
