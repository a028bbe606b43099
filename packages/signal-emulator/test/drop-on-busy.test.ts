// Drop-on-busy (R:src/client/jsonrpc2.go:240-249, R:src/api/api.go:575-638 at a08db23): each
// WebSocket has an unbuffered Go channel fed with a non-blocking send, so a frame that arrives
// while that socket's goroutine is still writing the previous one is dropped for that socket.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.js';
import { admin } from './helpers/http.js';
import { quietPeriod } from './helpers/queue.js';
import { openReceiveSocket } from './helpers/receive-socket.js';

const account = '+4915112345678';
let emulator: Emulator;

afterEach(() => emulator.close());

describe('slowSocketWrites', () => {
  it('drops a frame that meets a socket still writing, and records it', async () => {
    emulator = await startEmulator({ account });
    const socket = await openReceiveSocket(emulator.restUrl ?? '', account);
    emulator.slowSocketWrites(50);
    const first = emulator.inject({ text: 'written slowly' });
    const second = emulator.inject({ text: 'arrives while the first is being written' });
    expect((await socket.frames.next())['envelope']).toEqual(first);
    expect(emulator.dropped()).toEqual([{ timestamp: second.timestamp, at: expect.any(Number) as unknown, backend: 'rest', account, reason: 'busy' }]);
    // once the write has finished, the socket takes the next frame (its 50 ms timer runs first)
    await quietPeriod(100);
    const third = emulator.inject({ text: 'after the write' });
    expect((await socket.frames.next())['envelope']).toEqual(third);
  });

  it('is busy per socket: a second socket still gets the frame the first one dropped', async () => {
    emulator = await startEmulator({ account });
    const base = emulator.restUrl ?? '';
    const busy = await openReceiveSocket(base, account);
    // Long enough that the second socket is surely open while the first is still busy.
    await admin(base, '/faults/slow-socket-writes', { ms: 5_000 });
    const keeper = emulator.inject({ text: 'keeps the first socket busy' });
    expect((await busy.frames.next())['envelope']).toEqual(keeper);
    const idle = await openReceiveSocket(base, account);
    const both = emulator.inject({ text: 'for both' });
    expect((await idle.frames.next())['envelope']).toEqual(both);
    expect(emulator.dropped().map((record) => [record.timestamp, record.reason])).toEqual([[both.timestamp, 'busy']]);
    await admin(base, '/faults/slow-socket-writes', { ms: 0 });
    const burst = [emulator.inject({ text: 'a' }), emulator.inject({ text: 'b' })];
    for (const envelope of burst) expect((await busy.frames.next())['envelope']).toEqual(envelope);
  });
});
