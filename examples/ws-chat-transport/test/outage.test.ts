// The whole machinery over real sockets: a channel on WsChatTransport with an asynchronous store
// (as a database would be), while the chat server is killed and restarted three times in the
// middle of draining. Every message arrives exactly once, in order.
import { Channel, MemoryOutboxStore, type OutboxRecord } from '@tether/core';
import { deferredStore, outboxStoreContract } from '@tether/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { WsChatTransport, type ChatEvent, type ChatMessage } from '../src/index.js';
import { ChatServer } from './chat-server.js';
import { TOKEN } from './harness.js';
import { linkReaches, sentCounter, within } from './wait-for.js';

const BATCH = 50;
const asyncStore = (maxQueued?: number) => deferredStore(new MemoryOutboxStore<ChatMessage>(maxQueued === undefined ? {} : { maxQueued }), { turns: 2 });

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

function incomingCollector(): { push: (event: ChatEvent) => void; first: Promise<ChatEvent> } {
  let push!: (event: ChatEvent) => void;
  const first = new Promise<ChatEvent>((resolve) => (push = resolve));
  return { push, first };
}

async function setup() {
  const server = await ChatServer.start({ token: TOKEN });
  const incoming = incomingCollector();
  const channel = new Channel<ChatMessage, ChatEvent>({
    transport: new WsChatTransport({ url: server.url, token: TOKEN }),
    store: asyncStore(),
    backoff: { initialMs: 10, factor: 2, maxMs: 100, jitter: 'full' },
    minUptimeMs: 100,
    connectTimeoutMs: 1_000,
    heartbeatIntervalMs: 1_000,
    heartbeatTimeoutMs: 500,
    sendTimeoutMs: 1_000,
    gate: { sendTimeoutPauseMs: 20 },
    onIncoming: incoming.push,
  });
  cleanup.push(() => server.close(), () => channel.close());
  await channel.start();
  await linkReaches(channel, 'connected');
  return { server, channel, incoming };
}

describe('WsChatTransport through a Channel', () => {
  it('survives three server outages mid-drain: 200 messages arrive once each, in order, nothing lost', async () => {
    const { server, channel } = await setup();
    const sent = sentCounter(channel);
    let downs = 0;
    channel.onLinkChange((change) => change.to === 'disconnected' && downs++);
    const records: OutboxRecord<ChatMessage>[] = [];
    const queue = async (batch: number) => {
      const texts = Array.from({ length: BATCH }, (_, index) => ({ text: `message ${batch * BATCH + index}` }));
      records.push(...(await Promise.all(texts.map((message) => channel.send(message)))));
    };
    await queue(0);
    for (let outage = 1; outage <= 3; outage++) {
      await sent.reach((outage - 1) * BATCH + 10); // the server dies in the middle of a drain
      await server.stop();
      await linkReaches(channel, 'disconnected', 'reconnecting');
      await queue(outage); // queued while the server is down
      await server.restart();
      await linkReaches(channel, 'syncing', 'connected');
    }
    await sent.reach(4 * BATCH);
    expect(downs).toBe(3);
    expect(server.posts.map((post) => post.text)).toEqual(records.map((record) => record.payload.text));
    expect(new Set(server.posts.map((post) => post.key)).size).toBe(4 * BATCH);
    const status = await channel.status();
    expect(status.outbox).toMatchObject({ queued: 0, sending: 0, failed: 0, unknown: 0 });
    await linkReaches(channel, 'connected');
  });

  it('moves messages to delivered and read on receipts, and receives posts', async () => {
    const { server, channel, incoming } = await setup();
    const sent = sentCounter(channel);
    const record = await channel.send({ text: 'did you get this?' });
    await sent.reach(1);
    const read = new Promise<void>((resolve) => channel.onMessageChange((change) => change.id === record.id && change.state === 'read' && resolve()));
    server.receipt('read', [server.posts[0]!.messageId]);
    await within(read, 'the read receipt');
    server.deliver('yes', 'bob');
    expect(await within(incoming.first, 'an incoming post')).toMatchObject({ from: 'bob', text: 'yes' });
  });

  it('stops in failed when the token is revoked, shows why, and recovers on reconnect() once it is valid', async () => {
    const { server, channel } = await setup();
    server.revoke();
    await linkReaches(channel, 'failed');
    expect((await channel.status()).link).toMatchObject({ kind: 'failed', reason: 'the chat server refused the connection with HTTP 401' });
    const sent = sentCounter(channel);
    const queued = await channel.send({ text: 'waits for a valid token' });
    server.reinstate();
    channel.reconnect();
    await sent.reach(1);
    expect(server.posts.map((post) => post.text)).toContain(queued.payload.text);
  });
});

describe('the asynchronous store the outage test uses keeps the store contract', () => {
  for (const check of outboxStoreContract(() => asyncStore(3), (text) => ({ text }))) it(check.name, check.run);
});

describe('WsChatTransport on its own', () => {
  it('turns every refusal into its outcome, refuses an overlong text itself, and says not-sent without a connection', async () => {
    const server = await ChatServer.start({ token: TOKEN });
    cleanup.push(() => server.close());
    const transport = new WsChatTransport({ url: server.url, token: TOKEN });
    const options = () => ({ signal: new AbortController().signal, idempotencyKey: `k${Math.random()}` });
    expect(await transport.send({ text: 'too early' }, options())).toMatchObject({ kind: 'not-sent' });
    const link = await transport.connect({ signal: new AbortController().signal, onIncoming: () => {} });
    server.refuseNextPost('rate-limited', 1_000);
    expect(await transport.send({ text: 'a' }, options())).toEqual({ kind: 'rate-limited', error: 'rate-limited: refused (rate-limited)', retryAfterMs: 1_000 });
    server.refuseNextPost('unauthorized');
    expect(await transport.send({ text: 'b' }, options())).toMatchObject({ kind: 'unauthorized' });
    expect(await transport.send({ text: 'x'.repeat(4_001) }, options())).toMatchObject({ kind: 'failed' });
    expect(server.reads).toBe(2);
    link.close();
    link.close();
    expect(await link.closed).toEqual({ reason: 'closed-by-client' });
  });

  it('fails to connect, retriably, when nothing listens', async () => {
    const server = await ChatServer.start({ token: TOKEN });
    await server.close();
    const transport = new WsChatTransport({ url: server.url, token: TOKEN });
    await expect(transport.connect({ signal: new AbortController().signal, onIncoming: () => {} })).rejects.toMatchObject({ code: 'transport', retriable: true });
  });
});
