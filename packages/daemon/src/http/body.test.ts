// Request bodies over a real socket: refused past the limit (by Content-Length before reading, or
// while reading a chunked body), invalid UTF-8 refused rather than replaced, invalid JSON named,
// an empty body read as {}, and multi-byte characters split across chunks kept whole.
import http from 'node:http';
import net from 'node:net';
import { tempDir } from '@tether/test-helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../app/errors.js';
import { readBody, readJson } from './body.js';
import { sendError, sendJson } from './respond.js';

const LIMIT = 16;
let server: http.Server;
let socketPath: string;

beforeAll(async () => {
  socketPath = tempDir().join('body.sock');
  server = http.createServer((request, response) => {
    readJson(request, LIMIT, () => new AppError('too-large', `over ${LIMIT} bytes`)).then(
      (body) => sendJson(response, 200, { body }),
      (error: unknown) => sendError(response, error as AppError, { 'x-extra': 'kept' }),
    );
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/**
 * Writes a raw HTTP/1.1 request in the given pieces, one per turn of the event loop, and returns
 * the raw answer. The server may answer and close before every piece is written (that is the
 * point of refusing early), so a write into the closed socket is not an error here.
 */
function raw(pieces: readonly (string | Buffer)[]): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('connect', async () => {
      for (const piece of pieces) {
        if (socket.destroyed || socket.writableEnded) return;
        socket.write(piece);
        await new Promise((done) => setImmediate(done));
      }
    });
  });
}

const post = (headers: string): string => `POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers}\r\n`;
const answer = (text: string): { status: number; body: unknown; headers: string } => {
  const [head, body] = text.split('\r\n\r\n') as [string, string];
  return { status: Number(head.split(' ')[1]), body: JSON.parse(body) as unknown, headers: head.toLowerCase() };
};

describe('readJson', () => {
  it('reads JSON, whole multi-byte characters across chunks, and an empty body as {}', async () => {
    const text = Buffer.from('{"t":"€😀"}'); // 15 bytes, cut inside both characters
    expect(answer(await raw([post(`Content-Length: ${text.length}\r\n`), text.subarray(0, 7), text.subarray(7, 9), text.subarray(9)]))).toMatchObject({ status: 200, body: { body: { t: '€😀' } } });
    expect(answer(await raw([post('Content-Length: 0\r\n')]))).toMatchObject({ status: 200, body: { body: {} } });
    // without a declared length the chunks are gathered as they come
    expect(answer(await raw([post('Transfer-Encoding: chunked\r\n'), '4\r\n{"a"\r\n', '4\r\n:"b}\r\n', '2\r\n"}\r\n', '0\r\n\r\n']))).toMatchObject({ status: 200, body: { body: { a: 'b}' } } });
  });

  it('refuses by Content-Length before reading, and a chunked body once it passes the limit', async () => {
    // no byte of the body is needed to refuse it (and one written after the answer would be reset)
    const declared = answer(await raw([post('Content-Length: 1000000\r\n')]));
    expect(declared).toMatchObject({ status: 413, body: { error: { code: 'too-large', message: 'over 16 bytes' } } });
    expect(declared.headers).toContain('x-extra: kept');
    const chunked = answer(await raw([post('Transfer-Encoding: chunked\r\n'), '8\r\n{"a":"12\r\n', '8\r\n345678"}\r\n', '8\r\n12345678\r\n']));
    expect(chunked).toMatchObject({ status: 413, body: { error: { code: 'too-large' } } });
  });

  it('returns exactly the bytes that came when a stream delivers more than it declared (never an unwritten byte)', async () => {
    const chunks = [Buffer.from('abcdef'), Buffer.from('ghijkl')];
    const request = {
      headers: { 'content-length': '10' },
      resume: () => undefined,
      async *[Symbol.asyncIterator]() {
        yield* chunks;
      },
    } as unknown as http.IncomingMessage;
    expect((await readBody(request, 100, () => new Error('too large'))).toString()).toBe('abcdefghijkl');
  });

  it('refuses bytes that are not UTF-8 and text that is not JSON, naming which', async () => {
    const invalid = Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]);
    expect(answer(await raw([post(`Content-Length: ${invalid.length}\r\n`), invalid]))).toMatchObject({ status: 400, body: { error: { code: 'invalid-body', message: 'the request body is not valid UTF-8' } } });
    expect(answer(await raw([post('Content-Length: 9\r\n'), '{"a":tru}']))).toMatchObject({ status: 400, body: { error: { code: 'invalid-json' } } });
  });
});

describe('sendJson and sendError', () => {
  it('answer once: a second answer to the same response is ignored', async () => {
    const second = http.createServer((_request, response) => {
      sendJson(response, 201, { first: true });
      sendJson(response, 500, { second: true });
      sendError(response, new AppError('internal', 'never sent', { retryAfterSeconds: 3, field: 'x' }));
    });
    const path = tempDir().join('once.sock');
    await new Promise<void>((resolve) => second.listen(path, resolve));
    const text = await new Promise<string>((resolve) => {
      http.get({ socketPath: path, path: '/' }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve(`${response.statusCode} ${body}`));
      });
    });
    expect(text).toBe('201 {"first":true}');
    second.closeAllConnections();
    await new Promise((resolve) => second.close(resolve));
  });
});
