import { describe, expect, it } from 'vitest';
import { Channel } from './channel.js';
import type { LinkChange } from './connection.js';
import { TransportError } from './errors.js';
import { MemoryOutboxStore } from './outbox-store.js';
import { FakeTransport as FakeTransportV1 } from './testing/__fixtures__/fake-transport-v1.js';
import { FakeClock, flushPromises } from './testing/fake-clock.js';
import { FakeTransport } from './testing/fake-transport.js';

function setup(options: { probe?: boolean; probeIntervalMs?: number } = {}) {
  const clock = new FakeClock(0);
  const transport = new FakeTransport<string, string>({ probe: options.probe ?? false });
  const store = new MemoryOutboxStore<string>();
  const incoming: string[] = [];
  const channel = new Channel<string, string>({
    transport,
    store,
    clock,
    random: () => 0.5,
    backoff: { initialMs: 1_000, factor: 2, maxMs: 8_000, jitter: 'none' },
    onIncoming: (event) => incoming.push(event),
    ...(options.probeIntervalMs === undefined ? {} : { probeIntervalMs: options.probeIntervalMs }),
  });
  const links: LinkChange[] = [];
  channel.onLinkChange((change) => links.push(change));
  return { clock, transport, store, channel, incoming, links };
}

describe('Channel', () => {
  it('queues while down, syncs the backlog in order on reconnect, then reports connected', async () => {
    const { clock, transport, channel, links, store } = setup();
    transport.failNextConnect(new Error('refused'), 2);
    await channel.start();
    await flushPromises();
    const ids = await Promise.all(['1', '2', '3'].map(async (text) => (await channel.send(text)).id));
    expect(await channel.status()).toMatchObject({ link: { kind: 'disconnected' }, outbox: { queued: 3 }, lastError: 'refused' });
    await clock.advanceAsync(1_000 + 2_000);
    expect(transport.sent).toEqual(['1', '2', '3']);
    expect(ids.map((id) => store.get(id)?.state)).toEqual(['sent', 'sent', 'sent']);
    expect(links.map((change) => change.to)).toEqual(['disconnected', 'reconnecting', 'disconnected', 'reconnecting', 'syncing', 'connected']);
    // a message sent while connected with an empty queue changes no state
    await channel.send('4');
    await flushPromises();
    expect(links.at(-1)?.to).toBe('connected');
    expect(transport.sent.at(-1)).toBe('4');
    await channel.close();
  });

  it('syncs a backlog left by a previous run before reporting connected', async () => {
    const { transport, channel, links, store } = setup();
    store.add('old', { now: 0 });
    await channel.start();
    await flushPromises();
    expect(links.map((change) => change.to)).toEqual(['syncing', 'connected']);
    expect(transport.sent).toEqual(['old']);
    await channel.close();
  });

  it('delivers incoming events and reports link activity', async () => {
    const { clock, transport, channel, incoming } = setup();
    await channel.start();
    await flushPromises();
    clock.advance(500);
    transport.emit('hello');
    expect(incoming).toEqual(['hello']);
    expect((await channel.status()).lastActivityAt).toBe(500);
    await channel[Symbol.asyncDispose]();
  });

  it('moves sent messages to delivered and read as receipts arrive', async () => {
    const { transport, channel, store } = setup();
    await channel.start();
    await flushPromises();
    const record = await channel.send('a');
    await flushPromises();
    const { backendId } = store.get(record.id)!;
    transport.receipt('delivered', [backendId!]);
    await flushPromises();
    expect(store.get(record.id)?.state).toBe('delivered');
    transport.receipt('read', [backendId!]);
    await flushPromises();
    expect(store.get(record.id)?.state).toBe('read');
    await channel.close();
  });

  it('stops in failed when the backend refuses our credentials, shows why, and starts again on reconnect()', async () => {
    const { clock, transport, channel, links } = setup();
    transport.failNextConnect(new TransportError('401: the token was revoked', { retriable: false }));
    await channel.start();
    await flushPromises();
    await channel.send('a');
    expect(await channel.status()).toMatchObject({ link: { kind: 'failed', reason: '401: the token was revoked' }, lastError: '401: the token was revoked', outbox: { queued: 1 } });
    expect(links.at(-1)).toMatchObject({ to: 'failed', cause: '401: the token was revoked' });
    await clock.advanceAsync(3_600_000);
    expect(transport.connects).toBe(1);
    channel.reconnect();
    await flushPromises();
    expect(links.map((change) => change.to)).toEqual(['failed', 'connecting', 'syncing', 'connected']);
    expect(transport.sent).toEqual(['a']);
    await channel.close();
  });

  it('keeps its reconnect loop, gate and outbox going when every listener throws', async () => {
    const { clock, transport, channel, store } = setup();
    const boom = (): never => {
      throw new Error('SQLite: database or disk is full');
    };
    channel.onLinkChange(boom);
    channel.onGateChange(boom);
    channel.onMessageChange(boom);
    await channel.start();
    await flushPromises();
    transport.drop();
    await flushPromises();
    await clock.advanceAsync(1_000);
    expect((await channel.status()).link.kind).toBe('connected');
    transport.queueOutcomes({ kind: 'rate-limited', error: '429', retryAfterMs: 2_000 });
    const record = await channel.send('a');
    await flushPromises();
    expect(channel.gate.state).toMatchObject({ reason: 'rate-limited' });
    await clock.advanceAsync(2_000);
    expect(channel.gate.isOpen).toBe(true);
    expect(store.get(record.id)?.state).toBe('sent');
    await channel.close();
  });

  it('wires every outbox and gate option it takes', async () => {
    const clock = new FakeClock(0);
    const transport = new FakeTransport<string, string>();
    const store = new MemoryOutboxStore<string>();
    const channel = new Channel<string, string>({
      transport,
      store,
      clock,
      random: () => 0.5,
      maxRetriableAttempts: 1,
      retryBackoff: { initialMs: 100, factor: 2, maxMs: 100, jitter: 'none' },
      gate: { unauthorizedBackoff: { initialMs: 700, factor: 2, maxMs: 700, jitter: 'none' } },
    });
    transport.queueOutcomes({ kind: 'retriable', error: 'x' }, { kind: 'unauthorized', error: '401' }, { kind: 'not-sent', error: 'reset' });
    await channel.start();
    await flushPromises();
    const failed = await channel.send('a');
    await flushPromises();
    expect(store.get(failed.id)).toMatchObject({ state: 'failed', retriableFailures: 1 });
    const later = await channel.send('b');
    await flushPromises();
    expect(channel.gate.state).toMatchObject({ reason: 'unauthorized', until: 700 });
    await clock.advanceAsync(700);
    expect(store.get(later.id)?.state).toBe('queued'); // not-sent: waits the 100 ms retry backoff
    await clock.advanceAsync(100);
    expect(store.get(later.id)?.state).toBe('sent');
    await channel.close();
  });

  it('runs a v1 transport written against the v1 API, through the adapter', async () => {
    const clock = new FakeClock(0);
    const transport = new FakeTransportV1<string, string>();
    const store = new MemoryOutboxStore<string>();
    const channel = new Channel<string, string>({ transport, store, clock, random: () => 0.5, sendTimeoutMs: 1_000, unknownPolicy: 'at-most-once' });
    await channel.start();
    await flushPromises();
    const sent = await channel.send('a');
    await flushPromises();
    expect(store.get(sent.id)).toMatchObject({ state: 'sent', backendId: '1000' });
    transport.queueOutcomes('hang');
    const hung = await channel.send('b');
    await clock.advanceAsync(1_000);
    expect(store.get(hung.id)).toMatchObject({ state: 'unknown', ambiguous: true });
    expect(channel.gate.state).toMatchObject({ reason: 'send-timeout' }); // the deadline fired: a deadline
    transport.answerLate(1, { kind: 'sent', timestamp: 4242 });
    await flushPromises();
    expect(store.get(hung.id)).toMatchObject({ state: 'sent', backendId: '4242' });
    await channel.close();
  });

  it('probes readiness when the link comes up and holds sends while the backend is not ready', async () => {
    const { clock, transport, channel } = setup({ probe: true });
    transport.ready = false;
    await channel.start();
    await flushPromises();
    await channel.send('a');
    await flushPromises();
    expect((await channel.status()).gate).toMatchObject({ state: 'paused', reason: 'backend-not-ready' });
    expect(transport.sent).toEqual([]);
    transport.ready = true;
    await clock.advanceAsync(1_500);
    expect((await channel.status()).gate.state).toBe('open');
    expect(transport.sent).toEqual(['a']);
    await channel.close();
  });

  it('re-probes periodically while connected and pauses the gate when the backend dies behind the link', async () => {
    const { clock, transport, channel } = setup({ probe: true, probeIntervalMs: 30_000 });
    await channel.start();
    await flushPromises();
    expect((await channel.status()).gate.state).toBe('open');
    transport.ready = false;
    await clock.advanceAsync(30_000);
    expect(await channel.status()).toMatchObject({ link: { kind: 'connected' }, gate: { state: 'paused', reason: 'backend-not-ready' } });
    expect(transport.connects).toBe(1); // the link is not torn down for a backend problem
    await channel.close();
    expect(clock.pending).toBe(0);
  });

  it('close() lets the send in flight finish within the grace period', async () => {
    const { clock, transport, channel, store } = setup();
    transport.queueOutcomes('hang');
    await channel.start();
    await flushPromises();
    const record = await channel.send('a');
    await flushPromises();
    const closing = channel.close({ graceMs: 1_000 });
    await clock.advanceAsync(1_000);
    await closing;
    expect(store.get(record.id)).toMatchObject({ state: 'queued', ambiguous: true }); // at-least-once: resent after restart
    expect((await channel.status()).link.kind).toBe('closed');
  });
});
