// Issue 10, item 1: signal-cli restarts behind a live REST server. The WebSocket stays up, so only
// the readiness probe sees it: a failed probe opens a loss window from the last good one, which
// must cover every envelope the emulator dropped, and sends wait without being marked ambiguous.
import { MemoryOutboxStore } from '@tether/core';
import { startEmulator, type Emulator } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { createSignalChannel, type OutgoingMessage, type SignalChannel } from '../src/index.js';
import { within } from '@tether/test-helpers';
import { ACCOUNT, FAST, FRIEND, collector, gatePauses, linkReaches, messagesReach, track } from './helpers.js';

let emulator: Emulator;
let signal: SignalChannel;

/** Loss windows as they close, and a wait for the first one that closes after `since`. */
function closedWindows() {
  const windows: { from: number; to: number }[] = [];
  const waiters: { since: number; resolve: () => void }[] = [];
  return {
    onLossWindowClosed(window: { from: number; to: number }) {
      windows.push(window);
      for (const waiter of waiters.filter((entry) => window.to > entry.since)) waiter.resolve();
    },
    after(since: number): Promise<void> {
      if (windows.some((window) => window.to > since)) return Promise.resolve();
      return within(new Promise<void>((resolve) => waiters.push({ since, resolve })), 'a loss window to close');
    },
  };
}

afterEach(async () => {
  await signal?.close();
  await emulator?.close();
});

describe('signal-cli restarting behind the REST server', () => {
  it('opens a loss window covering every dropped envelope, keeps the WebSocket, and sends what waited', async () => {
    emulator = await startEmulator({ account: ACCOUNT, restRedialIntervalMs: 100 });
    const store = new MemoryOutboxStore<OutgoingMessage>();
    const incoming = collector();
    const closed = closedWindows();
    signal = createSignalChannel({
      url: emulator.restUrl!,
      account: ACCOUNT,
      store,
      ...FAST,
      probeIntervalMs: 100,
      onIncoming: (event) => incoming.push(event),
      onLossWindowClosed: closed.onLossWindowClosed,
    });
    track(signal.channel, store);
    signal.channel.start();
    await linkReaches(signal.channel, 'connected');
    const clients = emulator.stats().restClients;
    const restartedAt = Date.now();
    const restarted = emulator.restartSignalCli(600);
    const dropped = [emulator.inject({ from: FRIEND, text: 'lost 1' }), emulator.inject({ from: FRIEND, text: 'lost 2' })];
    await gatePauses(signal.channel, 'backend-not-ready');
    const id = (await signal.channel.send({ recipients: [FRIEND], message: 'waits for signal-cli' })).id;
    dropped.push(emulator.inject({ from: FRIEND, text: 'lost 3' }));
    await restarted;
    const [record] = await messagesReach(signal.channel, [id]);
    expect(record).toMatchObject({ state: 'sent', ambiguous: false });
    await closed.after(restartedAt);
    const windows = signal.lossWindows.list();
    expect(emulator.dropped().map((drop) => drop.timestamp)).toEqual(dropped.map((envelope) => envelope.timestamp));
    for (const drop of emulator.dropped()) {
      expect(windows.some((window) => window.from <= drop.at && (window.to === undefined || drop.at <= window.to))).toBe(true);
    }
    expect(signal.channel.connection.state.kind).toMatch(/connected|syncing/);
    expect(emulator.stats().restClients).toBe(clients);
    emulator.inject({ from: FRIEND, text: 'after' });
    expect((await incoming.count(1)).map((event) => ('text' in event ? event.text : null))).toEqual(['after']);
  });

  it('probes on its own while the gate is paused for something else, so a restart then is still seen', async () => {
    emulator = await startEmulator({ account: ACCOUNT, restRedialIntervalMs: 100 });
    const closed = closedWindows();
    signal = createSignalChannel({ url: emulator.restUrl!, account: ACCOUNT, ...FAST, probeIntervalMs: 100, onLossWindowClosed: closed.onLossWindowClosed });
    signal.channel.start();
    await linkReaches(signal.channel, 'connected');
    emulator.rateLimitNextSends(1, { challengeToken: 'stays-paused' });
    signal.channel.send({ recipients: [FRIEND], message: 'needs a captcha' });
    await gatePauses(signal.channel, 'captcha-required');
    const restartedAt = Date.now();
    const restarted = emulator.restartSignalCli(400);
    const lost = emulator.inject({ from: FRIEND, text: 'lost while the gate waits for a captcha' });
    await restarted;
    await closed.after(restartedAt);
    const drop = emulator.dropped().find((record) => record.timestamp === lost.timestamp)!;
    expect(signal.lossWindows.list().some((window) => window.from <= drop.at && window.to! >= drop.at)).toBe(true);
    expect((await signal.channel.status()).gate).toMatchObject({ state: 'paused', reason: 'captcha-required' });
  });

  it('takes the empty 500 of a send during the gap as backend-not-ready: queued, not ambiguous', async () => {
    emulator = await startEmulator({ account: ACCOUNT, restRedialIntervalMs: 100 });
    const store = new MemoryOutboxStore<OutgoingMessage>();
    signal = createSignalChannel({ url: emulator.restUrl!, account: ACCOUNT, store, ...FAST, probeIntervalMs: 60_000 });
    track(signal.channel, store);
    signal.channel.start();
    await linkReaches(signal.channel, 'connected');
    const restarted = emulator.restartSignalCli(300);
    const id = (await signal.channel.send({ recipients: [FRIEND], message: 'meets the gap' })).id;
    await gatePauses(signal.channel, 'backend-not-ready');
    await restarted;
    const [record] = await messagesReach(signal.channel, [id]);
    expect(record).toMatchObject({ state: 'sent', ambiguous: false });
    expect(emulator.sent()).toHaveLength(1);
  });
});
