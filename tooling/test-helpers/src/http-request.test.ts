// The request helper against a real echo server: JSON and raw bodies, header overrides, TCP and
// Unix sockets, answers that are not JSON, aborts and a socket nobody listens on.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from './http-request.js';
import { tempDir } from './temp-dir.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Echoes what it received, as JSON, or answers plain text on /text. */
async function echo(listen: (server: http.Server, done: () => void) => void): Promise<http.Server> {
  const server = http.createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      if (incoming.url === '/text') return void response.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
      if (incoming.url === '/hang') return;
      response.writeHead(201, { 'content-type': 'application/json', 'x-seen': 'yes' });
      response.end(JSON.stringify({ method: incoming.method, url: incoming.url, type: incoming.headers['content-type'] ?? null, body: Buffer.concat(chunks).toString('utf8') }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => listen(server, resolve));
  return server;
}

describe('request', () => {
  it('sends JSON over TCP and reads status, headers, text and JSON', async () => {
    const server = await echo((server, done) => server.listen(0, '127.0.0.1', done));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const reply = await request(`${base}/v1/messages?x=1`, { method: 'POST', json: { hello: 'wörld' } });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('X-Seen')).toBe('yes');
    expect(reply.json).toEqual({ method: 'POST', url: '/v1/messages?x=1', type: 'application/json', body: '{"hello":"wörld"}' });
    expect(JSON.parse(reply.text)).toEqual(reply.json);
  });

  it('reaches a Unix socket, sends a body exactly as given, and lets headers override the defaults', async () => {
    const directory = tempDir();
    const socketPath = directory.join('echo.sock');
    await echo((server, done) => server.listen(socketPath, done));
    const reply = await request<{ body: string; type: string }>('http://daemon/broken', { socketPath, method: 'PUT', body: '{"unfinished":', headers: { 'content-type': 'text/plain' } });
    expect(reply.json).toMatchObject({ body: '{"unfinished":', type: 'text/plain' });
    const bytes = await request<{ body: string }>('http://daemon/', { socketPath, method: 'POST', body: new Uint8Array([0x68, 0x69]) });
    expect(bytes.json.body).toBe('hi');
    const text = await request('http://daemon/text', { socketPath });
    expect(text).toMatchObject({ status: 404, text: '404 page not found', json: undefined });
    directory.remove();
  });

  it('rejects when aborted and when nothing listens', async () => {
    const server = await echo((server, done) => server.listen(0, '127.0.0.1', done));
    const controller = new AbortController();
    const hanging = request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hang`, { signal: controller.signal });
    controller.abort();
    await expect(hanging).rejects.toThrow(/abort/i);
    await expect(request('http://daemon/', { socketPath: tempDir().join('nobody.sock') })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
