import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchPoster } from './webhook-poster.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

const gc = (globalThis as { gc?: () => void }).gc;

describe('fetchPoster', () => {
  it('gives up at its deadline on a receiver that never answers, even when garbage is collected while it waits', async () => {
    expect(gc, 'vitest runs with --expose-gc').toBeTypeOf('function');
    const url = await serve(() => undefined); // accepts the POST, never answers
    const collecting = setInterval(() => gc!(), 5);
    try {
      const result = await fetchPoster(150)({ url, headers: { 'content-type': 'application/json' }, body: '{}', signal: new AbortController().signal });
      expect(result).toEqual({ kind: 'unreachable', error: expect.stringMatching(/no answer within 150 ms/) });
    } finally {
      clearInterval(collecting);
    }
  });

  it('never follows a redirect: the signed body stays where it was sent', async () => {
    let elsewhere = 0;
    const other = await serve((_request, response) => {
      elsewhere++;
      response.end();
    });
    const url = await serve((_request, response) => {
      response.writeHead(307, { location: other });
      response.end();
    });
    const result = await fetchPoster(1_000)({ url, headers: {}, body: '{"secret":true}', signal: new AbortController().signal });
    expect(result).toEqual({ kind: 'answered', status: 307 });
    expect(elsewhere).toBe(0);
  });

  it('stops at once when its caller aborts', async () => {
    const url = await serve(() => undefined);
    const caller = new AbortController();
    const posting = fetchPoster(60_000)({ url, headers: {}, body: '{}', signal: caller.signal });
    caller.abort(new Error('closing'));
    expect(await posting).toEqual({ kind: 'unreachable', error: 'closing' });
  });
});
