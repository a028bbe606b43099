// The real tetherd as a process: durable inbound replay, the lossless JSON-RPC path while the
// daemon is down, the lock, configuration errors, the TCP listener's token, health and
// readiness, a frozen backend, and a clean SIGTERM.
import { statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startEmulator, type Emulator } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { FRIEND, Tetherd, request, tempDir } from './tetherd.js';

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

async function emulator(options: Parameters<typeof startEmulator>[0] = { account: '+4915112345678' }): Promise<Emulator> {
  const started = await startEmulator(options);
  running.push({ stop: () => started.close() });
  return started;
}

function daemon(stateDir: string, env: Record<string, string>): Tetherd {
  const tetherd = new Tetherd(stateDir, env);
  running.push({ stop: () => tetherd.kill() });
  return tetherd;
}

const incomingTexts = (events: { event: string; data: Record<string, unknown> }[]) => events.filter((event) => event.event === 'incoming').map((event) => event.data['text']);

describe('tetherd incoming', () => {
  it('spools every incoming message, drops redeliveries, and replays what a client missed from Last-Event-ID', async () => {
    const backend = await emulator();
    const tetherd = daemon(tempDir(), { TETHER_SIGNAL_URL: backend.restUrl! });
    await tetherd.ready();
    const first = tetherd.events('?kinds=incoming');
    await first.opened;
    await tetherd.logLine(/"to":"connected"/);
    const envelope = backend.inject({ from: FRIEND, text: 'one' });
    const [seen] = await first.until((events) => events.length === 1, 'the first message');
    first.close();
    backend.redeliver(envelope.timestamp);
    backend.inject({ from: FRIEND, text: 'two' });
    backend.inject({ from: FRIEND, text: 'three' });
    const resumed = tetherd.events('?kinds=incoming', String(seen!.id));
    const events = await resumed.until((all) => all.length === 2, 'the two missed messages');
    expect(incomingTexts(events)).toEqual(['two', 'three']);
    expect(events[0]!.id).toBeGreaterThan(seen!.id);
    const metrics = await tetherd.request<string>('GET', '/metrics');
    expect(metrics.body).toMatch(/tether_incoming_dropped_total{reason="duplicate"} 1/);
    resumed.close();
  });

  it('JSON-RPC manual mode: messages that arrived while tetherd was down are received when it starts', async () => {
    const backend = await emulator({ account: '+4915112345678', rest: false, jsonRpc: { tcp: { port: 0 }, receiveMode: 'manual' } });
    backend.inject({ from: FRIEND, text: 'sent while tetherd was down' });
    backend.inject({ from: FRIEND, text: 'also while down' });
    const tetherd = daemon(tempDir(), { TETHER_SIGNAL_URL: backend.jsonRpcUrl!, TETHER_RECEIVE_MODE: 'manual' });
    await tetherd.ready();
    const stream = tetherd.events('?kinds=incoming', '0');
    const events = await stream.until((all) => all.length === 2, 'both messages');
    expect(incomingTexts(events)).toEqual(['sent while tetherd was down', 'also while down']);
    stream.close();
  });
});

describe('tetherd as a process', () => {
  it('creates its socket 0600, answers health and readiness, and exits 0 on SIGTERM', async () => {
    const backend = await emulator();
    const tetherd = daemon(tempDir(), { TETHER_SIGNAL_URL: backend.restUrl! });
    await tetherd.ready();
    expect(statSync(tetherd.socket).mode & 0o777).toBe(0o600);
    await tetherd.logLine(/"to":"connected"/);
    expect((await tetherd.request('GET', '/healthz')).status).toBe(200);
    expect((await tetherd.request('GET', '/readyz')).status).toBe(200);
    backend.setSignalCli('starting');
    await tetherd.request('POST', '/v1/messages', { recipients: [FRIEND], message: 'waits' });
    await tetherd.logLine(/backend-not-ready/);
    const ready = await tetherd.request<{ ready: boolean }>('GET', '/readyz');
    expect(ready).toMatchObject({ status: 503, body: { ready: false } });
    expect((await tetherd.request('GET', '/healthz')).status).toBe(200);
    expect(await tetherd.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(tetherd.output.some((line) => line.includes('tetherd stopped'))).toBe(true);
  });

  it('exits 0 on SIGTERM even while an event subscriber has stopped reading', async () => {
    const backend = await emulator();
    const tetherd = daemon(tempDir(), { TETHER_SIGNAL_URL: backend.restUrl! });
    await tetherd.ready();
    const stalled = await new Promise<http.IncomingMessage>((resolve) => http.get({ socketPath: tetherd.socket, path: '/v1/events?since=all' }, resolve));
    stalled.pause();
    for (let index = 0; index < 50; index++) backend.inject({ from: FRIEND, text: `x${index}`.repeat(500) });
    await tetherd.logLine(/"to":"connected"/);
    expect(await tetherd.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    stalled.destroy();
  });

  it('detects a frozen backend and reports it', async () => {
    const backend = await emulator();
    const tetherd = daemon(tempDir(), { TETHER_SIGNAL_URL: backend.restUrl! });
    await tetherd.ready();
    await tetherd.logLine(/"to":"connected"/);
    backend.freeze();
    await tetherd.logLine(/heartbeat-timeout/);
    const status = await tetherd.request<{ state: string; lastError: string; lossWindows: unknown[] }>('GET', '/v1/status');
    expect(['disconnected', 'reconnecting']).toContain(status.body.state);
    expect(status.body.lastError).toMatch(/heartbeat/);
    expect(status.body.lossWindows.length).toBeGreaterThan(0);
  });

  it('refuses a second tetherd on the same state directory, naming the first', async () => {
    const backend = await emulator();
    const stateDir = tempDir();
    const first = daemon(stateDir, { TETHER_SIGNAL_URL: backend.restUrl! });
    await first.ready();
    const second = daemon(stateDir, { TETHER_SIGNAL_URL: backend.restUrl!, TETHER_SOCKET: path.join(stateDir, 'other.sock') });
    expect((await second.exited).code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`another tetherd already uses .*pid ${first.process.pid}`));
    expect(second.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  it('exits 2 with a clear message for a bad configuration value', async () => {
    const tetherd = daemon(tempDir(), { TETHER_SIGNAL_URL: 'ftp://nowhere', TETHER_SEND_TIMEOUT_MS: 'soon' });
    expect((await tetherd.exited).code).toBe(2);
    expect(tetherd.stderr).toMatch(/TETHER_SIGNAL_URL .*unsupported scheme/);
    expect(tetherd.stderr).toMatch(/TETHER_SEND_TIMEOUT_MS .*whole number/);
    expect(tetherd.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('serves loopback TCP only with the bearer token: 401 without it', async () => {
    const backend = await emulator();
    const stateDir = tempDir();
    const tokenFile = path.join(stateDir, 'token');
    writeFileSync(tokenFile, 'a-long-enough-secret-token\n', { mode: 0o600 });
    const tetherd = daemon(stateDir, { TETHER_SIGNAL_URL: backend.restUrl!, TETHER_LISTEN: '127.0.0.1:0', TETHER_TOKEN_FILE: tokenFile });
    const line = await tetherd.ready();
    const port = (JSON.parse(line) as { tcp: { port: number } }).tcp.port;
    const target = { host: '127.0.0.1', port };
    expect(await request(target, 'GET', '/v1/status')).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect((await request(target, 'GET', '/v1/status', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await request(target, 'GET', '/v1/status', undefined, { authorization: 'Bearer a-long-enough-secret-token' })).status).toBe(200);
  });
});
