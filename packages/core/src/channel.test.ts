import { describe, expect, it } from 'vitest';
import { Channel } from './channel.js';
import type { LinkChange } from './connection.js';
import { MemoryOutboxStore } from './outbox-store.js';
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
    channel.start();
    await flushPromises();
    const ids = ['1', '2', '3'].map((text) => channel.send(text).id);
    expect(channel.status()).toMatchObject({ link: { kind: 'disconnected' }, outbox: { queued: 3 }, lastError: 'refused' });
    await clock.advanceAsync(1_000 + 2_000);
    expect(transport.sent).toEqual(['1', '2', '3']);
    expect(ids.map((id) => store.get(id)?.state)).toEqual(['sent', 'sent', 'sent']);
    expect(links.map((change) => change.to)).toEqual(['disconnected', 'reconnecting', 'disconnected', 'reconnecting', 'syncing', 'connected']);
    // a message sent while connected with an empty queue changes no state
    channel.send('4');
    await flushPromises();
    expect(links.at(-1)?.to).toBe('connected');
    expect(transport.sent.at(-1)).toBe('4');
    await channel.close();
  });

  it('delivers incoming events and reports link activity', async () => {
    const { clock, transport, channel, incoming } = setup();
    channel.start();
    await flushPromises();
    clock.advance(500);
    transport.emit('hello');
    expect(incoming).toEqual(['hello']);
    expect(channel.status().lastActivityAt).toBe(500);
    await channel[Symbol.asyncDispose]();
  });

  it('probes readiness when the link comes up and holds sends while the backend is not ready', async () => {
    const { clock, transport, channel } = setup({ probe: true });
    transport.ready = false;
    channel.start();
    await flushPromises();
    channel.send('a');
    await flushPromises();
    expect(channel.status().gate).toMatchObject({ state: 'paused', reason: 'backend-not-ready' });
    expect(transport.sent).toEqual([]);
    transport.ready = true;
    await clock.advanceAsync(1_500);
    expect(channel.status().gate.state).toBe('open');
    expect(transport.sent).toEqual(['a']);
    await channel.close();
  });

  it('re-probes periodically while connected and pauses the gate when signal-cli dies behind the link', async () => {
    const { clock, transport, channel } = setup({ probe: true, probeIntervalMs: 30_000 });
    channel.start();
    await flushPromises();
    expect(channel.status().gate.state).toBe('open');
    transport.ready = false;
    await clock.advanceAsync(30_000);
    expect(channel.status()).toMatchObject({ link: { kind: 'connected' }, gate: { state: 'paused', reason: 'backend-not-ready' } });
    expect(transport.connects).toBe(1); // the link is not torn down for a backend problem
    await channel.close();
    expect(clock.pending).toBe(0);
  });

  it('close() lets the send in flight finish within the grace period', async () => {
    const { clock, transport, channel, store } = setup();
    transport.queueOutcomes('hang');
    channel.start();
    await flushPromises();
    const record = channel.send('a');
    await flushPromises();
    const closing = channel.close({ graceMs: 1_000 });
    await clock.advanceAsync(1_000);
    await closing;
    expect(store.get(record.id)).toMatchObject({ state: 'queued', ambiguous: true }); // at-least-once: resent after restart
    expect(channel.status().link.kind).toBe('closed');
  });
});
