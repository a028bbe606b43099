// signal-cli's JSON-RPC daemon end to end through the channel: the lossless manual receive mode,
// on-start mode without double delivery, late answers, order across drops, and outcome classes.
import { MemoryOutboxStore, type UnknownPolicy } from '@tether/core';
import { startEmulator, type Emulator, type ReceiveMode as DaemonMode } from '@tether/signal-emulator';
import { tempDir, within } from '@tether/test-helpers';
import { afterEach, describe, expect, it } from 'vitest';
import { createSignalChannel, type OutgoingMessage, type ReceiveMode, type SignalChannel } from '../src/index.js';
import { ACCOUNT, FRIEND, collector, linkReaches, messagesReach, track } from './helpers.js';

let emulator: Emulator | undefined;
let signal: SignalChannel | undefined;

async function startBackend(receiveMode: DaemonMode, unix = false): Promise<Emulator> {
  const socket = unix ? tempDir('tether-jsonrpc-').join('signal-cli.sock') : undefined;
  emulator = await startEmulator({ account: ACCOUNT, rest: false, jsonRpc: { ...(socket ? { unix: socket } : { tcp: { port: 0 } }), receiveMode } });
  return emulator;
}

function connect(backend: Emulator, options: { receiveMode?: ReceiveMode; unknownPolicy?: UnknownPolicy; sendTimeoutMs?: number }) {
  const store = new MemoryOutboxStore<OutgoingMessage>();
  const incoming = collector();
  signal = createSignalChannel({
    url: backend.jsonRpcUrl!,
    account: ACCOUNT,
    ...(options.receiveMode ? { receiveMode: options.receiveMode } : {}),
    store,
    backoff: { initialMs: 20, factor: 2, maxMs: 200, jitter: 'full' },
    minUptimeMs: 200,
    connectTimeoutMs: 1_000,
    heartbeatIntervalMs: 60_000,
    sendTimeoutMs: options.sendTimeoutMs ?? 2_000,
    unknownPolicy: options.unknownPolicy ?? 'at-least-once',
    gate: { sendTimeoutPauseMs: 50, probeBackoff: { initialMs: 50, factor: 2, maxMs: 200, jitter: 'none' } },
    onIncoming: (event) => incoming.push(event),
  });
  track(signal.channel, store);
  void signal.channel.start();
  return { channel: signal.channel, incoming, store, send: async (text: string) => (await signal!.channel.send({ recipients: [FRIEND], message: text })).id };
}

const texts = (events: { kind: string }[]) => events.map((event) => ('text' in event ? event.text : event.kind));

afterEach(async () => {
  await signal?.close();
  await emulator?.close();
  signal = undefined;
  emulator = undefined;
});

describe('JSON-RPC backend through the channel', () => {
  it('manual mode: messages that arrive while Tether is away are received once it connects', async () => {
    const backend = await startBackend('manual');
    backend.inject({ from: FRIEND, text: 'while nobody listened 1' });
    backend.inject({ from: FRIEND, text: 'while nobody listened 2' });
    const { channel, incoming } = connect(backend, { receiveMode: 'manual' });
    await linkReaches(channel, 'connected');
    expect(texts(await incoming.count(2))).toEqual(['while nobody listened 1', 'while nobody listened 2']);
    // and across a backend restart with Tether reconnecting
    await backend.stop();
    await linkReaches(channel, 'disconnected', 'reconnecting');
    await backend.restart();
    backend.inject({ from: FRIEND, text: 'during the reconnect' });
    expect(texts(await incoming.count(3))).toContain('during the reconnect');
    expect(backend.stats().subscriptions).toBe(1);
  });

  it('on-start mode: never subscribes again, so each envelope arrives once', async () => {
    const backend = await startBackend('on-start');
    const { channel, incoming } = connect(backend, { receiveMode: 'on-start' });
    await linkReaches(channel, 'connected');
    backend.inject({ from: FRIEND, text: 'once' });
    backend.inject({ from: FRIEND, text: 'twice?' });
    await incoming.count(2);
    // a round trip on the same socket proves nothing else was in flight
    const { id } = await signal!.channel.send({ recipients: [FRIEND], message: 'flush' });
    await messagesReach(channel, [id]);
    expect(texts(incoming.events)).toEqual(['once', 'twice?']);
  });

  it('keeps order across dropped connections over a Unix socket', async () => {
    const backend = await startBackend('manual', true);
    const { channel, send, store } = connect(backend, { receiveMode: 'manual' });
    await linkReaches(channel, 'connected');
    const ids = await Promise.all(Array.from({ length: 50 }, (_, index) => send(`m${index}`)));
    backend.dropConnections();
    await messagesReach(channel, ids, ['sent']);
    const sent = backend.sent().map((record) => record.message);
    // a message cut off mid-request may go twice (and is then marked ambiguous), never out of order
    const firsts = sent.filter((text, index) => sent.indexOf(text) === index);
    expect(firsts).toEqual(ids.map((_, index) => `m${index}`));
    for (const [index, id] of ids.entries()) {
      if (sent.filter((text) => text === `m${index}`).length > 1) expect(store.get(id)?.ambiguous).toBe(true);
    }
  });

  it('a late answer to a timed-out send turns unknown into sent', async () => {
    const backend = await startBackend('manual');
    const { channel, send } = connect(backend, { receiveMode: 'manual', unknownPolicy: 'at-most-once', sendTimeoutMs: 300 });
    await linkReaches(channel, 'connected');
    backend.setLatency(600);
    const id = await send('slow but delivered');
    await messagesReach(channel, [id], ['unknown']);
    const [record] = await messagesReach(channel, [id], ['sent']);
    expect(record).toMatchObject({ state: 'sent', ambiguous: true, attempts: 1 });
    expect(backend.sent()).toHaveLength(1);
  });

  it('pauses for backend-not-ready and for a rate limit with Retry-After, then delivers', async () => {
    const backend = await startBackend('manual');
    const { channel, send } = connect(backend, { receiveMode: 'manual' });
    await linkReaches(channel, 'connected');
    backend.failNextSends(1, { jsonRpcError: { code: -32602, message: 'Specified account does not exist' } });
    const first = await send('after signal-cli starts');
    await within(new Promise<void>((resolve) => channel.onGateChange((change) => change.to.state === 'paused' && change.to.reason === 'backend-not-ready' && resolve())), 'not-ready pause');
    const [record] = await messagesReach(channel, [first]);
    expect(record).toMatchObject({ state: 'sent', ambiguous: false });

    backend.rateLimitNextSends(1, { retryAfterSeconds: 1 });
    const second = await send('rate limited');
    await within(new Promise<void>((resolve) => channel.onGateChange((change) => change.to.state === 'paused' && resolve())), 'rate-limit pause');
    const { gate } = await channel.status();
    expect(gate).toMatchObject({ state: 'paused', reason: 'rate-limited' });
    if (gate.state === 'paused') expect(gate.until! - gate.since).toBe(1_000);
    expect((await messagesReach(channel, [second]))[0]).toMatchObject({ ambiguous: true });
  });

  it('drops frames for another account of a multi-account daemon and counts them', async () => {
    const backend = await startBackend('on-start');
    const { channel, incoming } = connect(backend, { receiveMode: 'on-start' });
    await linkReaches(channel, 'connected');
    backend.injectFrame({ envelope: { source: FRIEND, sourceNumber: FRIEND, sourceUuid: null, sourceName: null, sourceDevice: 1, timestamp: 1, serverReceivedTimestamp: 2, serverDeliveredTimestamp: 3, dataMessage: { timestamp: 1, message: 'not ours', expiresInSeconds: 0, isExpirationUpdate: false, viewOnce: false } }, account: '+4915100000000' });
    backend.inject({ from: FRIEND, text: 'ours' });
    expect(texts(await incoming.count(1))).toEqual(['ours']);
    expect(signal!.transport.counters.foreignAccount).toBe(1);
  });
});
