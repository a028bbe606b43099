// Issue 10, items 3 and 4, through the real tetherd against signal-cli's JSON-RPC daemon: the
// receive mode is detected, never assumed (a contradicting TETHER_RECEIVE_MODE fails the link with
// the fix in status), each message arrives once in either mode, and a multi-account daemon's
// other account keeps its messages (Tether subscribes for its own account only).
import net from 'node:net';
import { startEmulator, type Emulator } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { Status } from '../src/protocol/index.js';
import { ACCOUNT, FRIEND, Tetherd, tempDir, within } from './tetherd.js';

const OTHER = '+4915100000002';
const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

type Mode = 'manual' | 'on-start';

async function signalCli(receiveMode: Mode, accounts: readonly string[] = [ACCOUNT]): Promise<Emulator> {
  const emulator = await startEmulator({ account: ACCOUNT, accounts, rest: false, jsonRpc: { tcp: { port: 0 }, receiveMode } });
  running.push({ stop: () => emulator.close() });
  return emulator;
}

async function daemon(emulator: Emulator, env: Record<string, string> = {}): Promise<Tetherd> {
  const tetherd = new Tetherd(tempDir(), { TETHER_SIGNAL_URL: emulator.jsonRpcUrl!, ...env });
  running.push({ stop: () => tetherd.kill() });
  await tetherd.ready();
  return tetherd;
}

const status = async (tetherd: Tetherd): Promise<Status> => (await tetherd.request<Status>('GET', '/v1/status')).body;

describe('a receive mode that contradicts TETHER_RECEIVE_MODE', () => {
  const cases: [Mode, Mode, RegExp][] = [
    ['on-start', 'manual', /configured as manual, but signal-cli pushes every message unasked.*set it to on-start/],
    ['manual', 'on-start', /configured as on-start, but signal-cli waits for subscribeReceive, so it runs with --receive-mode manual.*set it to manual/],
  ];
  it.each(cases)('a %s daemon with TETHER_RECEIVE_MODE=%s fails the link with the fix in status', async (found, configured, fix) => {
    const emulator = await signalCli(found);
    const tetherd = await daemon(emulator, { TETHER_RECEIVE_MODE: configured });
    const incoming = tetherd.events('?kinds=incoming', '0');
    if (found === 'on-start') {
      // `receive` is refused by an on-start daemon and by a manual one that another client
      // subscribed: only the first unasked frame tells them apart. That message is kept, once.
      await tetherd.logLine(/"to":"connected"/);
      emulator.inject({ from: FRIEND, text: 'tells the mode' });
      await incoming.until((events) => events.length === 1, 'the message that showed the mode');
    }
    await tetherd.logLine(/"to":"failed"/);
    expect(incoming.events.map((event) => event.data['text'])).toEqual(found === 'on-start' ? ['tells the mode'] : []);
    incoming.close();
    const current = await status(tetherd);
    expect(current).toMatchObject({ state: 'failed' });
    expect(current.lastError).toMatch(fix);
    expect(current.lastError).toMatch(/remove the receive-mode setting \(Tether detects it\)/);
  });
});

describe('a receive mode found without TETHER_RECEIVE_MODE', () => {
  const cases: [Mode, 'lossless' | 'best-effort'][] = [
    ['on-start', 'best-effort'],
    ['manual', 'lossless'],
  ];
  it.each(cases)('reports a %s daemon in status and receives each message once', async (mode, receive) => {
    const emulator = await signalCli(mode);
    const tetherd = await daemon(emulator);
    await tetherd.logLine(/"to":"connected"/);
    const incoming = tetherd.events('?kinds=incoming', '0');
    const texts = ['one', 'two', 'three'];
    for (const text of texts) emulator.inject({ from: FRIEND, text });
    await incoming.until((events) => events.length >= texts.length, 'three messages');
    // one more round trip through the spool, so that a late duplicate would be in by now
    emulator.inject({ from: FRIEND, text: 'last' });
    await incoming.until((events) => events.some((event) => event.data['text'] === 'last'), 'the last message');
    expect(incoming.events.map((event) => event.data['text'])).toEqual([...texts, 'last']);
    const current = await status(tetherd);
    expect(current.backend).toMatchObject({ kind: 'jsonrpc', receiveMode: mode, receive });
    const metrics = (await tetherd.request<string>('GET', '/metrics')).body;
    // each copy was dropped by the transport, not refused by the spool as a duplicate
    expect(metrics).not.toMatch(/tether_incoming_dropped_total\{reason="duplicate"\} [1-9]/);
    if (mode === 'on-start') {
      expect(tetherd.output.some((line) => line.includes('signal-cli daemon --receive-mode manual'))).toBe(true);
      expect(current.lossWindows.length).toBeGreaterThan(0); // on-start loses what arrives while tetherd is away
    } else {
      expect(current.lossWindows).toEqual([]);
    }
    incoming.close();
  });
});

describe('a multi-account signal-cli daemon', () => {
  it("leaves the other account's messages waiting at signal-cli", async () => {
    const emulator = await signalCli('manual', [ACCOUNT, OTHER]);
    const tetherd = await daemon(emulator);
    await tetherd.logLine(/"to":"connected"/);
    const incoming = tetherd.events('?kinds=incoming', '0');
    emulator.inject({ account: OTHER, from: FRIEND, text: 'for the other account' });
    emulator.inject({ from: FRIEND, text: 'ours' });
    await incoming.until((events) => events.some((event) => event.data['text'] === 'ours'), 'our message');
    expect(incoming.events.map((event) => event.data['text'])).toEqual(['ours']);
    expect(emulator.dropped()).toEqual([]);
    // The other account's owner subscribes later and still gets it: nobody pulled it before.
    expect(await firstMessageFor(emulator.jsonRpcUrl!, OTHER)).toBe('for the other account');
    incoming.close();
  });
});

/** Subscribes for `account` on a connection of its own and resolves with the text of the first message. */
function firstMessageFor(url: string, account: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port) });
  running.push({ stop: async () => void socket.destroy() });
  socket.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribeReceive', params: { account } })}\n`);
  let buffered = '';
  return within(
    new Promise<string>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          const message = JSON.parse(line) as { method?: string; params?: { result?: { envelope?: { dataMessage?: { message?: string } } } } };
          const text = message.method === 'receive' ? message.params?.result?.envelope?.dataMessage?.message : undefined;
          if (text !== undefined) resolve(text);
        }
      });
    }),
    "the other account's message",
  );
}
