// Issue 10, item 8, through the real tetherd: what real clients of signal-cli-rest-api send.
// Python's websocket-client sends `Origin: http://<host:port>` of the endpoint itself by default
// (websocket-client 1.9.0, websocket/_handshake.py:83-105, `_get_handshake_headers`); that is no
// web page and is served, while another origin is refused. Styled text (Apprise's Markdown),
// quotes and mentions are queued durably like plain sends on both backends, and reach signal-cli
// as the REST API would pass them on.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { startEmulator, type Emulator } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { call, compatDaemon } from './compat-helpers.js';
import { ACCOUNT, FRIEND, within, type Tetherd } from './tetherd.js';

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

type Backend = 'rest' | 'jsonrpc';

async function setup(backend: Backend, env: Record<string, string> = {}): Promise<{ emulator: Emulator; tetherd: Tetherd; base: string }> {
  const emulator = await startEmulator({ account: ACCOUNT, ...(backend === 'rest' ? {} : { rest: false, jsonRpc: { tcp: { port: 0 }, receiveMode: 'manual' } }) });
  running.push({ stop: () => emulator.close() });
  const { tetherd, base } = await compatDaemon({ TETHER_SIGNAL_URL: backend === 'rest' ? emulator.restUrl! : emulator.jsonRpcUrl!, ...env });
  running.push({ stop: () => tetherd.kill() });
  await tetherd.logLine(/"to":"connected"/);
  return { emulator, tetherd, base };
}

/**
 * websocket-client's opening handshake, header for header and in its order, on a raw socket.
 * Resolves with the status line and the socket (left open after a 101).
 */
function pythonHandshake(base: string, origin: string | undefined): Promise<{ status: string; socket: net.Socket; rest: Buffer }> {
  const { hostname, port } = new URL(base);
  const hostport = `${hostname}:${port}`;
  const lines = [
    `GET /v1/receive/${ACCOUNT} HTTP/1.1`,
    'Upgrade: websocket',
    `Host: ${hostport}`,
    `Origin: ${origin ?? `http://${hostport}`}`,
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    'Connection: Upgrade',
  ];
  const socket = net.connect({ host: hostname, port: Number(port) });
  running.push({ stop: async () => void socket.destroy() });
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  let received = Buffer.alloc(0);
  return within(
    new Promise((resolve) => {
      const onData = (chunk: Buffer): void => {
        received = Buffer.concat([received, chunk]);
        const end = received.indexOf('\r\n\r\n');
        if (end === -1) return;
        socket.off('data', onData);
        resolve({ status: received.subarray(0, received.indexOf('\r\n')).toString('latin1'), socket, rest: received.subarray(end + 4) });
      };
      socket.on('data', onData);
    }),
    'the handshake answer',
  );
}

/** The next text frame the server writes (unmasked, as servers write them). */
function nextTextFrame(socket: net.Socket, initial: Buffer): Promise<string> {
  let buffered = initial;
  return within(
    new Promise((resolve) => {
      const tryParse = (): boolean => {
        if (buffered.length < 2) return false;
        const short = buffered[1]! & 0x7f;
        const [length, offset] = short === 126 ? [buffered.readUInt16BE(2), 4] : [short, 2];
        if (buffered.length < offset + length) return false;
        const opcode = buffered[0]! & 0x0f;
        const payload = buffered.subarray(offset, offset + length);
        buffered = buffered.subarray(offset + length);
        if (opcode !== 1) return tryParse();
        socket.off('data', onData);
        resolve(payload.toString('utf8'));
        return true;
      };
      const onData = (chunk: Buffer): void => {
        buffered = Buffer.concat([buffered, chunk]);
        tryParse();
      };
      socket.on('data', onData);
      tryParse();
    }),
    'a text frame',
  );
}

describe("websocket-client's default handshake", () => {
  it('is served (the Origin is the endpoint itself) and gets frames; another origin is refused', async () => {
    const { emulator, base } = await setup('rest');
    const served = await pythonHandshake(base, undefined);
    expect(served.status).toBe('HTTP/1.1 101 Switching Protocols');
    const frame = nextTextFrame(served.socket, served.rest);
    emulator.inject({ from: FRIEND, text: 'to the python bot' });
    expect(JSON.parse(await frame)).toMatchObject({ account: ACCOUNT, envelope: { dataMessage: { message: 'to the python bot' } } });
    const { port } = new URL(base);
    for (const origin of ['http://evil.example', `http://localhost:${port}`, 'null']) {
      expect((await pythonHandshake(base, origin)).status, origin).toMatch(/^HTTP\/1\.1 403 /);
    }
  });
});

const RICH = {
  number: ACCOUNT,
  recipients: [FRIEND],
  message: '**Disk** full on *web-1*, ask X',
  text_mode: 'styled',
  mentions: [{ start: 23, length: 1, author: FRIEND }],
  quote_timestamp: 1_755_000_000_000,
  quote_author: FRIEND,
  quote_message: 'status?',
  quote_mentions: [{ start: 0, length: 1, author: FRIEND }],
};

describe.each(['rest', 'jsonrpc'] as const)('styled text, quotes and mentions over %s', (backend) => {
  it('are queued while the backend is down (never 503) and reach signal-cli as the REST API passes them on', async () => {
    const { emulator, tetherd, base } = await setup(backend, { TETHER_COMPAT_WAIT_MS: '100' });
    await emulator.stop();
    await tetherd.logLine(/"to":"disconnected"/);
    const stream = tetherd.events('?kinds=message', '0');
    const rich = await call(base, 'POST', '/v2/send', RICH);
    const quoteOnly = await call(base, 'POST', '/v2/send', { number: ACCOUNT, recipients: [FRIEND], message: '', quote_timestamp: 5, quote_author: FRIEND });
    for (const reply of [rich, quoteOnly]) expect(reply).toMatchObject({ status: 201, headers: { 'x-tether-send': 'queued' } });
    const ids = [rich, quoteOnly].map((reply) => reply.headers['x-tether-message-id']);
    await emulator.restart();
    await stream.until((events) => ids.every((id) => events.some((event) => event.data['id'] === id && event.data['state'] === 'sent')), 'both sent');
    const [styled, quoting] = emulator.sent();
    expect(styled).toMatchObject({
      message: 'Disk full on web-1, ask X',
      textStyles: ['0:4:BOLD', '13:5:ITALIC'],
      mentions: [`23:1:${FRIEND}`],
      quote: { timestamp: 1_755_000_000_000, author: FRIEND, message: 'status?', mentions: [`0:1:${FRIEND}`] },
    });
    expect(quoting).toMatchObject({ message: null, quote: { timestamp: 5, author: FRIEND } });
    expect(quoting).not.toHaveProperty('textStyles');
    stream.close();
  });
});
