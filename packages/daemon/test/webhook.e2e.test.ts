// Webhooks from the durable spool through the real tetherd: signed, in order, retried while the
// receiver is down (nothing skipped), and dead-lettered when the receiver rejects an event.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator } from '@tether/signal-emulator';
import { within } from '@tether/test-helpers';
import { afterEach, expect, it } from 'vitest';
import type { Status } from '../src/protocol/index.js';
import { FRIEND, Tetherd, tempDir } from './tetherd.js';

const SECRET = 'webhook-secret';
const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

interface Delivery {
  readonly id: number;
  readonly text: string;
  readonly valid: boolean;
}

/** A webhook receiver on a fixed port that can go down and come back, and can reject. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  reject = (_text: string): boolean => false;
  /** Takes the POST and never answers it. */
  hang = (_text: string): boolean => false;
  /** Answers 307 to this location. */
  redirectTo: string | undefined;
  hung = 0;
  #server: http.Server | undefined;
  #waiters: { n: number; resolve: () => void }[] = [];
  port = 0;

  async start(): Promise<void> {
    this.#server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const [t, v1] = String(request.headers['tether-signature']).split(',').map((part) => part.slice(part.indexOf('=') + 1));
        const valid = v1 === createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex');
        const parsed = JSON.parse(body) as { id: number; data: { text: string } };
        if (this.redirectTo !== undefined) {
          response.writeHead(307, { location: this.redirectTo }).end();
          return;
        }
        if (this.hang(parsed.data.text)) {
          this.hung++;
          return;
        }
        if (this.reject(parsed.data.text)) {
          response.writeHead(400).end();
          return;
        }
        this.deliveries.push({ id: parsed.id, text: parsed.data.text, valid });
        response.writeHead(204).end();
        for (const waiter of this.#waiters.filter((entry) => this.deliveries.length >= entry.n)) waiter.resolve();
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  count(n: number): Promise<void> {
    if (this.deliveries.length >= n) return Promise.resolve();
    return within(new Promise<void>((resolve) => this.#waiters.push({ n, resolve })), `${n} webhook deliveries`);
  }
}

it('delivers signed events in order, waits out a receiver that is down, and dead-letters a rejected event', async () => {
  const emulator = await startEmulator({ account: '+4915112345678' });
  running.push({ stop: () => emulator.close() });
  const receiver = new Receiver();
  await receiver.start();
  running.push({ stop: () => receiver.stop() });
  const tetherd = new Tetherd(tempDir(), {
    TETHER_SIGNAL_URL: emulator.restUrl!,
    TETHER_WEBHOOK_URL: `http://127.0.0.1:${receiver.port}/hook`,
    TETHER_WEBHOOK_SECRET: SECRET,
    TETHER_WEBHOOK_RETRY_MAX_MS: '100',
  });
  running.push({ stop: () => tetherd.kill() });
  await tetherd.ready();
  await tetherd.logLine(/"to":"connected"/);

  emulator.inject({ from: FRIEND, text: 'first' });
  await receiver.count(1);

  await receiver.stop();
  for (const text of ['while down 1', 'while down 2', 'while down 3']) emulator.inject({ from: FRIEND, text });
  const spooled = tetherd.events('?kinds=incoming', '0');
  await spooled.until((events) => events.length === 4, 'four events spooled');
  spooled.close();
  await tetherd.logLine(/webhook delivery failed; will retry/);
  const waiting = await tetherd.request<Status>('GET', '/v1/status');
  expect(waiting.body.webhook).toMatchObject({ state: 'retrying', pending: 3, delivered: 1 });
  await receiver.start();
  await receiver.count(4);

  receiver.reject = (text) => text === 'poison';
  emulator.inject({ from: FRIEND, text: 'poison' });
  emulator.inject({ from: FRIEND, text: 'after the poison' });
  await receiver.count(5);
  expect(receiver.deliveries.map((delivery) => delivery.text)).toEqual(['first', 'while down 1', 'while down 2', 'while down 3', 'after the poison']);
  expect(receiver.deliveries.every((delivery) => delivery.valid)).toBe(true);
  const ids = receiver.deliveries.map((delivery) => delivery.id);
  expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  const status = await tetherd.request<Status>('GET', '/v1/status');
  expect(status.body.webhook).toMatchObject({ deadLetters: 1, pending: 0, delivered: 5 });
  const metrics = (await tetherd.request<string>('GET', '/metrics')).body;
  expect(metrics).toMatch(/tether_webhook_deliveries_total\{result="dead-letter"\} 1/);
});

it('retries a receiver that never answers after the per-attempt timeout, and delivers the events behind it', async () => {
  const emulator = await startEmulator({ account: '+4915112345678' });
  running.push({ stop: () => emulator.close() });
  const receiver = new Receiver();
  await receiver.start();
  running.push({ stop: () => receiver.stop() });
  const tetherd = new Tetherd(tempDir(), {
    TETHER_SIGNAL_URL: emulator.restUrl!,
    TETHER_WEBHOOK_URL: `http://127.0.0.1:${receiver.port}/hook`,
    TETHER_WEBHOOK_SECRET: SECRET,
    TETHER_WEBHOOK_RETRY_MAX_MS: '50',
    TETHER_WEBHOOK_TIMEOUT_MS: '300',
  });
  running.push({ stop: () => tetherd.kill() });
  await tetherd.ready();
  await tetherd.logLine(/"to":"connected"/);
  receiver.hang = () => receiver.hung < 2;
  emulator.inject({ from: FRIEND, text: 'stalls twice' });
  emulator.inject({ from: FRIEND, text: 'waits behind it' });
  await receiver.count(2);
  expect(receiver.hung).toBe(2);
  expect(receiver.deliveries.map((delivery) => delivery.text)).toEqual(['stalls twice', 'waits behind it']);
  expect(await tetherd.logLine(/webhook delivery failed; will retry/)).toMatch(/no answer within 300 ms/);
});

it('never follows a redirect: the signed body is not re-posted elsewhere, and the delivery is retried', async () => {
  const emulator = await startEmulator({ account: '+4915112345678' });
  running.push({ stop: () => emulator.close() });
  const elsewhere = new Receiver();
  await elsewhere.start();
  running.push({ stop: () => elsewhere.stop() });
  const receiver = new Receiver();
  receiver.redirectTo = `http://127.0.0.1:${elsewhere.port}/stolen`;
  await receiver.start();
  running.push({ stop: () => receiver.stop() });
  const tetherd = new Tetherd(tempDir(), {
    TETHER_SIGNAL_URL: emulator.restUrl!,
    TETHER_WEBHOOK_URL: `http://127.0.0.1:${receiver.port}/hook`,
    TETHER_WEBHOOK_SECRET: SECRET,
    TETHER_WEBHOOK_RETRY_MAX_MS: '50',
  });
  running.push({ stop: () => tetherd.kill() });
  await tetherd.ready();
  await tetherd.logLine(/"to":"connected"/);
  emulator.inject({ from: FRIEND, text: 'for the hook only' });
  await tetherd.logLine(/answered 307 \(a redirect/);
  const status = await tetherd.request<Status>('GET', '/v1/status');
  expect(status.body.webhook).toMatchObject({ state: 'retrying', pending: 1, lastError: expect.stringMatching(/redirect/) });
  receiver.redirectTo = undefined;
  await receiver.count(1);
  expect(elsewhere.deliveries).toEqual([]);
});
