// The REST receive WebSocket: one frame per message for the matching account only, broadcast to
// every client, dropped for good when nobody is attached, server pings without pong enforcement,
// gorilla's 512-byte limit and its handshake errors.
import { connect } from 'node:net';
import { request } from '@tether/test-helpers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startEmulator, type Emulator } from '../src/index.js';
import { openReceiveSocket } from './helpers/receive-socket.js';

const account = '+4915112345678';
let emulator: Emulator;
let base: string;

beforeEach(async () => {
  emulator = await startEmulator({ account, restPingIntervalMs: 20 });
  base = emulator.restUrl ?? '';
});
afterEach(() => emulator.close());

describe('frames', () => {
  it('sends {envelope, account} for the account, to every client', async () => {
    const first = await openReceiveSocket(base, account);
    const second = await openReceiveSocket(base, account);
    const envelope = emulator.inject({ from: '+4915100000001', text: 'hi' });
    expect(await first.frames.next()).toEqual({ envelope, account });
    expect(await second.frames.next()).toEqual({ envelope, account });
    expect(emulator.stats().restClients).toBe(2);
    expect(emulator.dropped()).toEqual([]);
  });

  it('only sends frames whose account equals the path, and counts a frame nobody got as dropped', async () => {
    const other = await openReceiveSocket(base, '+4915199999999');
    const envelope = emulator.inject({ text: 'lost' });
    const mine = await openReceiveSocket(base, account);
    const next = emulator.inject({ text: 'seen' });
    expect((await mine.frames.next())['envelope']).toEqual(next);
    expect(other.frames.buffered).toEqual([]);
    expect(emulator.dropped()).toEqual([{ timestamp: envelope.timestamp, at: expect.any(Number) as unknown, backend: 'rest', account, reason: 'no-client' }]);
  });

  it('drops every message that arrives while no client is attached, for good', async () => {
    const lost = [emulator.inject({ text: 'a' }), emulator.inject({ text: 'b' })];
    const socket = await openReceiveSocket(base, account);
    const kept = emulator.inject({ text: 'c' });
    expect((await socket.frames.next())['envelope']).toEqual(kept);
    expect(emulator.dropped().map((record) => record.timestamp)).toEqual(lost.map((envelope) => envelope.timestamp));
  });

  it('delivers receipts, reactions, typing and raw frames in signal-cli shape', async () => {
    const socket = await openReceiveSocket(base, account);
    emulator.injectReceipt({ from: '+4915100000001', kind: 'delivery', timestamps: [1] });
    emulator.injectReaction({ emoji: '❤', targetAuthor: account, targetTimestamp: 1 });
    emulator.injectTyping({ action: 'stopped' });
    emulator.injectFrame({ account, exception: { message: 'Invalid message', type: 'ProtocolInvalidMessageException' } });
    expect((await socket.frames.next())['envelope']).toMatchObject({ receiptMessage: { isDelivery: true, timestamps: [1] } });
    expect((await socket.frames.next())['envelope']).toMatchObject({ dataMessage: { message: null, reaction: { emoji: '❤' } } });
    expect((await socket.frames.next())['envelope']).toMatchObject({ typingMessage: { action: 'STOPPED' } });
    expect(await socket.frames.next()).toEqual({ account, exception: { message: 'Invalid message', type: 'ProtocolInvalidMessageException' } });
  });
});

describe('keepalive and limits', () => {
  it('pings on its interval and never closes a client that does not answer', async () => {
    const socket = await openReceiveSocket(base, account, { autoPong: false });
    for (let ping = 0; ping < 3; ping += 1) expect((await socket.pings.next()).length).toBe(0);
    expect(socket.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('answers client pings with pongs', async () => {
    const socket = await openReceiveSocket(base, account);
    const pong = new Promise<Buffer>((resolve) => socket.socket.once('pong', resolve));
    socket.socket.ping('are you there');
    expect((await pong).toString()).toBe('are you there');
  });

  it('closes with 1009 when a client frame exceeds 512 bytes, and ignores smaller ones', async () => {
    const socket = await openReceiveSocket(base, account);
    socket.socket.send('x'.repeat(512));
    socket.socket.send('x'.repeat(513));
    expect((await socket.closed).code).toBe(1009);
  });
});

describe('handshake', () => {
  it('answers a plain GET with 400 text/plain: gorilla text, then gin JSON', async () => {
    const answer = await request(`${base}/v1/receive/${account}`);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(answer.text).toBe(
      `Bad Request\n{"error":"websocket: the client is not using the websocket protocol: 'upgrade' token not found in 'Connection' header"}`,
    );
  });

  it('rejects an upgrade with a wrong version', async () => {
    const port = Number(new URL(base).port);
    const socket = connect(port, '127.0.0.1');
    const response = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
    });
    socket.write(
      `GET /v1/receive/${account} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    const text = await response;
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(text).toContain("unsupported version: 13 not found in 'Sec-Websocket-Version' header");
  });
});
