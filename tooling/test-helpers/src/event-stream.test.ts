// The SSE reader against a real server (TCP and a Unix socket): events as they come, the start
// position before any event, and waits that end early when the stream does or name what timed out.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStream } from './event-stream.js';
import { tempDir } from './temp-dir.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A stream that starts at the id the client resumes from and lets the test write blocks. */
async function streamServer(listen: (server: http.Server, done: () => void) => void): Promise<{ server: http.Server; clients: http.ServerResponse[]; seen: (string | undefined)[] }> {
  const clients: http.ServerResponse[] = [];
  const seen: (string | undefined)[] = [];
  const server = http.createServer((incoming, response) => {
    seen.push(incoming.headers['last-event-id'] as string | undefined);
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(`: hello\nid: ${incoming.headers['last-event-id'] ?? '0'}\n\n`);
    clients.push(response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => listen(server, resolve));
  return { server, clients, seen };
}

describe('EventStream', () => {
  it('collects events as they come and resolves `until` once the predicate holds', async () => {
    const { server, clients, seen } = await streamServer((server, done) => server.listen(0, '127.0.0.1', done));
    const stream = new EventStream<{ n: number }>(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/events`, { lastEventId: '4' });
    expect((await stream.opened).status).toBe(200);
    expect(seen).toEqual(['4']);
    const two = stream.until((events) => events.length === 2, 'two events');
    clients[0]!.write('id: 5\nevent: tick\ndata: {"n":1}\n\n');
    clients[0]!.write('id: 6\nevent: tick\nda');
    clients[0]!.write('ta: {"n":2}\n\n');
    expect((await two).map((event) => [event.id, event.data.n])).toEqual([['5', 1], ['6', 2]]);
    expect(stream.lastEventId).toBe('6');
    stream.close();
    await stream.ended;
  });

  it('reads over a Unix socket and knows the start position before any event', async () => {
    const socketPath = tempDir().join('events.sock');
    const { clients } = await streamServer((server, done) => server.listen(socketPath, done));
    const stream = new EventStream('http://daemon/v1/events', { socketPath });
    await stream.opened;
    await stream.until(() => stream.lastEventId === '0', 'the start position');
    expect(stream.events).toEqual([]);
    clients[0]!.end();
    await stream.ended;
  });

  it('fails a wait early when the stream ends, and names what it waited for on timeout', async () => {
    const { server, clients } = await streamServer((server, done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const quiet = new EventStream(url);
    await expect(quiet.until(() => false, 'an event that never comes', 20)).rejects.toThrow('timed out after 20 ms waiting for an event that never comes');
    const ending = new EventStream(url);
    await ending.opened;
    const waiting = ending.until((events) => events.length > 0, 'an event');
    clients[1]!.end();
    await expect(waiting).rejects.toThrow('the event stream ended before an event (0 events received)');
    quiet.close();
  });
});
