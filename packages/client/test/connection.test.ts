// Where the client connects and what it makes of the other end: tetherd's loopback TCP listener with
// its bearer token, a refused token, nothing listening, something that is not tetherd answering, and
// a keep-alive pool that outlives a tetherd restart.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createClient, ProtocolError, UnreachableError } from '../src/index.js';
import { ACCOUNT, startStack, TOKEN, type Stack } from './helpers/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ tcp: true });
  await stack.waitForLink('connected');
});
afterAll(() => stack?.close());

/** A local HTTP server that is not tetherd (a proxy or another service on the port). */
async function impostor(status: number, body: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_request, response) => response.writeHead(status, { 'content-type': 'text/html' }).end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('loopback TCP', () => {
  it('calls and streams with { url, token }', async () => {
    await using client = createClient({ url: stack.tcpUrl(), token: TOKEN });
    expect((await client.status()).account).toBe(ACCOUNT);
    await using events = client.events();
    await events.ready();
    expect(events.lastEventId).toMatch(/^\d+$/);
  });

  it('takes TETHER_URL and TETHER_TOKEN from the environment by default', async () => {
    await using client = createClient({ env: { TETHER_URL: stack.tcpUrl(), TETHER_TOKEN: TOKEN } });
    expect(client.where).toBe(stack.tcpUrl());
    expect((await client.status()).account).toBe(ACCOUNT);
  });

  it('refuses a wrong token with ApiError 401 unauthorized, for calls and streams alike', async () => {
    await using client = createClient({ url: stack.tcpUrl(), token: 'wrong-token-0123456789' });
    await expect(client.status()).rejects.toSatisfy((error) => ApiError.isInstance(error) && error.status === 401 && error.code === 'unauthorized');
    await expect(client.events().ready()).rejects.toSatisfy((error) => ApiError.isInstance(error) && error.status === 401);
  });

  it('finds nobody on a port where nothing listens', async () => {
    const nobody = await impostor(200, '');
    await nobody.close();
    await using client = createClient({ url: nobody.url, token: TOKEN });
    const error: unknown = await client.status().catch((caught: unknown) => caught);
    expect(UnreachableError.isInstance(error) && error).toMatchObject({ connected: false, systemCode: 'ECONNREFUSED', target: nobody.url });
  });

  it('tells an answer that is not tetherd’s: ProtocolError for an unreadable success, http-<status> for an error page', async () => {
    const page = await impostor(200, '<html>hello</html>');
    const gateway = await impostor(502, '<html>Bad Gateway</html>');
    try {
      await using pageClient = createClient({ url: page.url, token: TOKEN });
      await expect(pageClient.status()).rejects.toSatisfy((error) => ProtocolError.isInstance(error) && error.status === 200);
      await using gatewayClient = createClient({ url: gateway.url, token: TOKEN });
      await expect(gatewayClient.status()).rejects.toSatisfy((error) => ApiError.isInstance(error) && error.code === 'http-502' && error.status === 502);
    } finally {
      await page.close();
      await gateway.close();
    }
  });
});

describe('the keep-alive pool', () => {
  it('carries sequential calls over one connection', async () => {
    // A counting TCP relay in front of tetherd's listener: every connection the client opens shows.
    let opened = 0;
    const relay = net.createServer((socket) => {
      opened++;
      const upstream = net.connect(Number(new URL(stack.tcpUrl()).port), '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      const drop = (): void => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    try {
      await using client = createClient({ url: `http://127.0.0.1:${(relay.address() as AddressInfo).port}`, token: TOKEN });
      for (let call = 0; call < 5; call++) await client.status();
      await client.messages({ limit: 1 });
      expect(opened).toBe(1);
    } finally {
      await new Promise((resolve) => relay.close(resolve));
    }
  });

  it('gets over the connections a SIGKILLed tetherd left in it', async () => {
    await using client = createClient({ socket: stack.socket });
    await Promise.all([client.status(), client.status(), client.status()]);
    await stack.daemon.restart('SIGKILL');
    // Every pooled connection is dead now; a read is sent again on a fresh one, not reported.
    expect((await client.status()).account).toBe(ACCOUNT);
  });

  it('sends a read again when a reused connection dies before answering, but never a change without a key', async () => {
    // A server that drops every connection on its second request, as one that timed it out would.
    const requests: string[] = [];
    const server = http.createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      const served = ((request.socket as net.Socket & { served?: number }).served ??= 0);
      (request.socket as net.Socket & { served?: number }).served = served + 1;
      if (served >= 1) return void request.socket.destroy();
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"m1"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await using client = createClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: TOKEN });
      await client.message('m1');
      expect(await client.message('m1')).toEqual({ id: 'm1' });
      const error: unknown = await client.cancel('m1').catch((caught: unknown) => caught);
      expect(UnreachableError.isInstance(error) && error).toMatchObject({ connected: true, ambiguous: true });
      expect(requests).toEqual(['GET /v1/messages/m1', 'GET /v1/messages/m1', 'GET /v1/messages/m1', 'POST /v1/messages/m1/cancel']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
