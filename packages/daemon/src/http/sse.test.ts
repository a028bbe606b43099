// The feed's sink on a real HTTP response: event-stream headers, the start position before any
// event, each event with its id and kind (incoming ones without the raw envelope), back-pressure
// reported by write, and close that destroys the response (a stuck reader cannot hold shutdown).
import http from 'node:http';
import { EventStream, tempDir } from '@tether/test-helpers';
import { afterEach, describe, expect, it } from 'vitest';
import type { FeedSink } from '../app/event-feed.js';
import { sseSink } from './sse.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server whose one request becomes a sink; resolves with it and the socket path. */
async function sinkServer(): Promise<{ socketPath: string; sink: Promise<FeedSink> }> {
  const socketPath = tempDir().join('sse.sock');
  let made!: (sink: FeedSink) => void;
  const sink = new Promise<FeedSink>((resolve) => (made = resolve));
  const server = http.createServer((_request, response) => made(sseSink(response)));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { socketPath, sink };
}

describe('sseSink', () => {
  it('streams the start position, then each event with its id and kind, leaving the raw envelope out', async () => {
    const { socketPath, sink: made } = await sinkServer();
    const stream = new EventStream<Record<string, unknown>>('http://tetherd/v1/events', { socketPath });
    const sink = await made;
    // the headers go out with the first block, which is the start position
    sink.start(41);
    const { status, headers } = await stream.opened;
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(headers.get('cache-control')).toBe('no-store');
    await stream.until(() => stream.lastEventId === '41', 'the start position');
    expect(sink.write({ id: 42, kind: 'incoming', at: 1, data: '{"kind":"message","raw":{"envelope":{}},"text":"hi"}' })).toBe(true);
    sink.write({ id: 43, kind: 'state', at: 2, data: '{"to":"connected"}' });
    const events = await stream.until((all) => all.length === 2, 'two events');
    expect(events.map(({ id, event, data }) => ({ id, event, data }))).toEqual([
      { id: '42', event: 'incoming', data: { kind: 'message', text: 'hi' } },
      { id: '43', event: 'state', data: { to: 'connected' } },
    ]);
    expect(sink.closed).toBe(false);
    sink.close();
    await stream.ended;
    expect(sink.closed).toBe(true);
  });

  it('tells a full buffer by write, drains when the reader catches up, and hears the reader leave', async () => {
    const { socketPath, sink: made } = await sinkServer();
    const stream = new EventStream('http://tetherd/v1/events', { socketPath });
    const sink = await made;
    sink.start(0);
    let drained = 0;
    sink.onDrain(() => drained++);
    const left = new Promise<void>((resolve) => sink.onClose(resolve));
    const big = JSON.stringify({ text: 'x'.repeat(64 * 1024) });
    let id = 0;
    while (sink.write({ id: ++id, kind: 'incoming', at: id, data: big })) if (id > 1_000) throw new Error('the buffer never filled');
    await stream.until((events) => events.length === id, 'every event written');
    expect(drained).toBeGreaterThan(0);
    stream.close();
    await left;
  });
});
