// Issue 10, item 7, through the real tetherd: every newer data-message part (deletes, pins,
// polls, payments, shared contacts) reaches `GET /v1/events` and webhooks as an `other` event with
// its own `what`, never as a `message` without text, and the compat receive WebSocket passes the
// raw envelope exactly as signal-cli-rest-api does.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { partNames, startEmulator, type InjectPartOptions } from '@tether/signal-emulator';
import { afterEach, expect, it } from 'vitest';
import { compatDaemon, ReceiveClient } from './compat-helpers.js';
import { ACCOUNT, FRIEND, within } from './tetherd.js';

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

const PARTS: readonly InjectPartOptions[] = [
  { part: 'remote-delete', targetTimestamp: 11 },
  { part: 'admin-delete', targetAuthor: FRIEND, targetTimestamp: 12 },
  { part: 'pin', targetAuthor: ACCOUNT, targetTimestamp: 13, durationSeconds: 600 },
  { part: 'unpin', targetAuthor: ACCOUNT, targetTimestamp: 13 },
  { part: 'poll-create', question: 'Lunch?', options: ['pizza', 'soup'] },
  { part: 'poll-vote', targetAuthor: FRIEND, targetTimestamp: 14, optionIndexes: [1] },
  { part: 'poll-terminate', targetTimestamp: 14 },
  { part: 'payment', note: 'thanks' },
  { part: 'contacts', contacts: [{ name: { given: 'Ada' }, phones: [{ value: '+4915100000003' }] }] },
];

/** Collects webhook bodies; `count(n)` resolves once n have arrived. */
async function webhookReceiver(): Promise<{ url: string; bodies: { data: Record<string, unknown> }[]; count(n: number): Promise<void> }> {
  const bodies: { data: Record<string, unknown> }[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: Record<string, unknown> });
      response.writeHead(204).end();
      for (const waiter of waiters.filter((entry) => bodies.length >= entry.n)) waiter.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.push({ stop: () => new Promise((resolve) => server.close(resolve)) });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    count: (n) => (bodies.length >= n ? Promise.resolve() : within(new Promise<void>((resolve) => waiters.push({ n, resolve })), `${n} webhook deliveries`)),
  };
}

it('gives every part its own what in events and webhooks, and passes the raw envelope on compat', async () => {
  expect(PARTS.map((part) => part.part)).toEqual(partNames); // every part the emulator knows
  const emulator = await startEmulator({ account: ACCOUNT });
  running.push({ stop: () => emulator.close() });
  const hook = await webhookReceiver();
  const { tetherd, base } = await compatDaemon({ TETHER_SIGNAL_URL: emulator.restUrl!, TETHER_WEBHOOK_URL: hook.url, TETHER_WEBHOOK_SECRET: 'parts-secret' });
  running.push({ stop: () => tetherd.kill() });
  await tetherd.logLine(/"to":"connected"/);
  const upstream = new ReceiveClient(emulator.restUrl!, ACCOUNT);
  const compat = new ReceiveClient(base, ACCOUNT);
  running.push({ stop: () => upstream.close() }, { stop: () => compat.close() });
  await Promise.all([upstream.opened, compat.opened]);
  const stream = tetherd.events('?kinds=incoming', '0');

  const envelopes = PARTS.map((part) => emulator.injectPart({ from: FRIEND, ...part }));

  const events = await stream.until((all) => all.length >= PARTS.length, 'every part spooled');
  expect(events.map((event) => [event.data['kind'], event.data['what']])).toEqual(PARTS.map((part) => ['other', part.part]));
  expect(events.every((event) => !('raw' in event.data))).toBe(true);
  await hook.count(PARTS.length);
  expect(hook.bodies.map((body) => [body.data['kind'], body.data['what']])).toEqual(PARTS.map((part) => ['other', part.part]));
  for (const [index, envelope] of envelopes.entries()) {
    const [theirs, ours] = [await upstream.next(), await compat.next()];
    expect(ours).toEqual(theirs);
    expect(ours).toEqual({ envelope, account: ACCOUNT });
    expect((ours['envelope'] as { dataMessage: { message: unknown } }).dataMessage.message, PARTS[index]!.part).toBeNull();
  }
  stream.close();
});
