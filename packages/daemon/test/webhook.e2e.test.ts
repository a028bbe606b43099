// Webhooks from the durable spool through the real tetherd: signed, in order, retried while the
// receiver is down (nothing skipped), and dead-lettered when the receiver rejects an event.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator } from '@tether/signal-emulator';
import { afterEach, expect, it } from 'vitest';
import type { Status } from '../src/protocol/index.js';
import { FRIEND, Tetherd, tempDir, within } from './tetherd.js';

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
