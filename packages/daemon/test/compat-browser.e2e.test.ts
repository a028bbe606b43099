// The compat endpoint refuses web pages: a request with an Origin header (every browser sends one
// on WebSockets and cross-site requests) or a Host that is not loopback (DNS rebinding).
import { startEmulator } from '@tether/signal-emulator';
import WebSocket from 'ws';
import { afterEach, expect, it } from 'vitest';
import { call, compatDaemon } from './compat-helpers.js';
import { ACCOUNT, FRIEND } from './tetherd.js';

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

it('answers 403 to a page that tries to send or to read incoming messages', async () => {
  const emulator = await startEmulator({ account: ACCOUNT });
  running.push({ stop: () => emulator.close() });
  const { tetherd, base } = await compatDaemon({ TETHER_SIGNAL_URL: emulator.restUrl! });
  running.push({ stop: () => tetherd.kill() });
  const body = { number: ACCOUNT, recipients: [FRIEND], message: 'from a web page' };
  expect((await call(base, 'POST', '/v2/send', body, { origin: 'https://evil.example' })).status).toBe(403);
  expect((await call(base, 'POST', '/v2/send', body, { host: 'rebound.example:8080' })).status).toBe(403);
  const refused = await new Promise<number>((resolve) => {
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/receive/${encodeURIComponent(ACCOUNT)}`, { origin: 'https://evil.example' });
    socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.on('error', () => undefined);
  });
  expect(refused).toBe(403);
  expect(emulator.sent()).toEqual([]);
  expect((await call(base, 'GET', '/v1/health')).status).toBe(204); // a program still gets through
});
