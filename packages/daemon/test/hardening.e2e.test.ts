// What a hostile review found, each reproduced against the real tetherd: state files others can
// write or that are links, startup failures that must be one line (unwritable directory, damaged
// database, garbage lock, a token file others can read), input that must be refused, auth
// details, 503 with Retry-After while draining at shutdown, and a compat forward to a backend
// that never answers.
import { chmodSync, closeSync, mkdtempSync, openSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startEmulator, type Emulator } from '@tether/signal-emulator';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../src/protocol/index.js';
import { FRIEND, request, Tetherd, tempDir } from './tetherd.js';

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

async function emulator(): Promise<Emulator> {
  const started = await startEmulator({ account: '+4915112345678' });
  running.push({ stop: () => started.close() });
  return started;
}

function daemon(stateDir: string, env: Record<string, string>): Tetherd {
  const tetherd = new Tetherd(stateDir, env);
  running.push({ stop: () => tetherd.kill() });
  return tetherd;
}

/** Starts tetherd on `stateDir` expecting it to refuse; returns its one line of stderr. */
async function refusal(stateDir: string, env: Record<string, string> = {}, code = 1): Promise<string> {
  const tetherd = daemon(stateDir, { TETHER_SIGNAL_URL: 'http://127.0.0.1:9', ...env });
  expect((await tetherd.exited).code, tetherd.stderr).toBe(code);
  expect(tetherd.stderr.trim().split('\n')).toHaveLength(1);
  expect(tetherd.stderr).not.toMatch(/\bat .*\.js:\d+/);
  return tetherd.stderr;
}

/** A state directory that held a real database, stopped cleanly. */
async function usedStateDir(): Promise<string> {
  const backend = await emulator();
  const stateDir = tempDir();
  const tetherd = daemon(stateDir, { TETHER_SIGNAL_URL: backend.restUrl! });
  await tetherd.ready();
  await tetherd.request('POST', '/v1/messages', { recipients: [FRIEND], message: 'kept' });
  expect((await tetherd.kill('SIGTERM')).code).toBe(0);
  return stateDir;
}

describe('state files', () => {
  it('refuses a database every user can write, and a link at a state file', async () => {
    const stateDir = tempDir();
    writeFileSync(path.join(stateDir, 'tether.db'), '');
    chmodSync(path.join(stateDir, 'tether.db'), 0o666);
    expect(await refusal(stateDir)).toMatch(/tether\.db is writable by every user .*Fix: remove it if no tetherd uses it/);
    const other = tempDir();
    symlinkSync(path.join(other, 'elsewhere'), path.join(other, 'tetherd.pid'));
    expect(await refusal(other)).toMatch(/tetherd\.pid is a symbolic link/);
  });

  it('makes files that were merely readable by others private, and starts', async () => {
    const stateDir = await usedStateDir();
    chmodSync(path.join(stateDir, 'tether.db'), 0o644);
    chmodSync(stateDir, 0o755);
    const backend = await emulator();
    const tetherd = daemon(stateDir, { TETHER_SIGNAL_URL: backend.restUrl! });
    await tetherd.ready();
    expect(statSync(path.join(stateDir, 'tether.db')).mode & 0o777).toBe(0o600);
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    expect((await tetherd.request<Message[]>('GET', '/v1/messages')).body).toHaveLength(1);
  });
});

describe('startup failures are one line with the path, the cause and the fix', () => {
  it('an unusable state directory', async () => {
    const file = path.join(tempDir(), 'not-a-directory');
    writeFileSync(file, '');
    expect(await refusal(tempDir(), { TETHER_STATE_DIR: path.join(file, 'state') })).toMatch(/cannot create the state directory .*not-a-directory\/state: .*ENOTDIR.*TETHER_STATE_DIR/);
  });

  it('a database with damaged pages, with the command that recovers it', async () => {
    const stateDir = await usedStateDir();
    const file = path.join(stateDir, 'tether.db');
    const pageSize = new Database(file, { readonly: true }).pragma('page_size', { simple: true }) as number;
    const descriptor = openSync(file, 'r+');
    writeSync(descriptor, Buffer.alloc(pageSize, 0xa5), 0, pageSize, pageSize * 2); // the third page: a table's b-tree
    closeSync(descriptor);
    expect(await refusal(stateDir)).toMatch(new RegExp(`the database ${file} is damaged .*sqlite3 ${file} "\\.recover" \\| sqlite3 ${file}\\.recovered`));
  });

  it('a file that is not a database at all', async () => {
    const stateDir = tempDir();
    writeFileSync(path.join(stateDir, 'tether.db'), 'this is not sqlite'.repeat(100), { mode: 0o600 });
    expect(await refusal(stateDir)).toMatch(/tether\.db is damaged/);
  });

  it('a garbage lock file', async () => {
    const stateDir = tempDir();
    writeFileSync(path.join(stateDir, 'tetherd.lock'), 'garbage'.repeat(200), { mode: 0o600 });
    expect(await refusal(stateDir)).toMatch(/the lock file .*tetherd\.lock cannot be used .*remove it/);
  });

  it('a token file other users can read (configuration: exit 2)', async () => {
    const stateDir = tempDir();
    const tokenFile = path.join(stateDir, 'token');
    writeFileSync(tokenFile, 'a-long-enough-secret-token');
    chmodSync(tokenFile, 0o644);
    expect(await refusal(stateDir, { TETHER_LISTEN: '127.0.0.1:0', TETHER_TOKEN_FILE: tokenFile }, 2)).toMatch(/TETHER_TOKEN_FILE .* can be read by other users \(mode 644\); chmod 600 it/);
  });

  it('a dangling link where the socket goes', async () => {
    const stateDir = tempDir();
    const socket = path.join(mkdtempSync(path.join(stateDir, 'run-')), 'tether.sock');
    symlinkSync(path.join(stateDir, 'nowhere'), socket);
    expect(await refusal(stateDir, { TETHER_SOCKET: socket })).toMatch(/tether\.sock is a symbolic link; remove it or set TETHER_SOCKET/);
  });
});

describe('input that must be refused', () => {
  it('answers 400 with the field for invalid UTF-8, an empty attachment, too many recipients, an empty key and a null challenge', async () => {
    const backend = await emulator();
    const tetherd = daemon(tempDir(), { TETHER_SIGNAL_URL: backend.restUrl! });
    await tetherd.ready();
    const invalidUtf8 = await rawPost(tetherd.socket, '/v1/messages', Buffer.concat([Buffer.from(`{"recipients":["${FRIEND}"],"message":"caf`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]));
    expect(invalidUtf8).toMatchObject({ status: 400, body: { error: { code: 'invalid-body', message: expect.stringMatching(/UTF-8/) } } });
    const empty = await tetherd.request('POST', '/v1/messages', { recipients: [FRIEND], attachments: [{ filename: 'a.txt', contentType: 'text/plain', data: '' }] });
    expect(empty).toMatchObject({ status: 400, body: { error: { code: 'invalid-attachments', field: 'attachments[0]' } } });
    const many = Array.from({ length: 1_001 }, (_, index) => `+49151${String(index).padStart(8, '0')}`);
    expect(await tetherd.request('POST', '/v1/messages', { recipients: many, message: 'hi' })).toMatchObject({ status: 400, body: { error: { field: 'recipients', message: expect.stringMatching(/at most 1000 recipients/) } } });
    const emptyKey = await tetherd.request('POST', '/v1/messages', { recipients: [FRIEND], message: 'hi' }, { 'idempotency-key': '' });
    expect(emptyKey).toMatchObject({ status: 400, body: { error: { code: 'invalid-idempotency-key' } } });
    expect(await rawPost(tetherd.socket, '/v1/challenge', Buffer.from('null'))).toMatchObject({ status: 400, body: { error: { code: 'invalid-body' } } });
    expect((await tetherd.request<Message[]>('GET', '/v1/messages')).body).toEqual([]);
  });

  it('stores a recipient written twice once', async () => {
    const backend = await emulator();
    const tetherd = daemon(tempDir(), { TETHER_SIGNAL_URL: backend.restUrl! });
    await tetherd.ready();
    const posted = await tetherd.request<Message>('POST', '/v1/messages', { recipients: [FRIEND, ` ${FRIEND}`, FRIEND], message: 'once' });
    expect(posted).toMatchObject({ status: 202, body: { recipients: [FRIEND] } });
  });
});

describe('request bodies in flight', () => {
  it('answers 503 with Retry-After once the bodies held in memory pass TETHER_MAX_INFLIGHT_MB, on both listeners; attachments streamed to the store do not count', async () => {
    const backend = await emulator();
    const tetherd = daemon(tempDir(), { TETHER_SIGNAL_URL: backend.restUrl!, TETHER_MAX_INFLIGHT_MB: '1', TETHER_COMPAT_LISTEN: '127.0.0.1:0' });
    await tetherd.ready();
    const data = Buffer.alloc(900 * 1024, 1).toString('base64'); // 1.2 MB of base64
    const text = { recipients: [FRIEND], message: 'x'.repeat(1_200_000) };
    const refused = await tetherd.request('POST', '/v1/messages', text);
    expect(refused).toMatchObject({ status: 503, body: { error: { code: 'busy' } } });
    expect(refused.headers['retry-after']).toBe('2');
    const attachment = { recipients: [FRIEND], attachments: [{ filename: 'a.bin', contentType: 'application/octet-stream', data }] };
    expect((await tetherd.request('POST', '/v1/messages', attachment)).status).toBe(202);
    const port = (JSON.parse(await tetherd.logLine(/compat API listening/)) as { compat: { port: number } }).compat.port;
    const compat = await request({ host: '127.0.0.1', port }, 'POST', '/v2/send', { number: '+4915112345678', recipients: [FRIEND], message: 'x'.repeat(1_200_000) });
    expect(compat.status).toBe(503);
    expect(compat.headers['retry-after']).toBe('2');
    const compatAttachment = await request({ host: '127.0.0.1', port }, 'POST', '/v2/send', { number: '+4915112345678', recipients: [FRIEND], base64_attachments: [data] });
    expect(compatAttachment.status).toBe(201);
    const small = await tetherd.request('POST', '/v1/messages', { recipients: [FRIEND], attachments: [{ filename: 'a.bin', contentType: 'application/octet-stream', data: Buffer.alloc(300 * 1024, 1).toString('base64') }] });
    expect(small.status).toBe(202);
  });
});

describe('auth details', () => {
  it('takes the Bearer scheme in any case on the control API, and Host: LOCALHOST on compat', async () => {
    const backend = await emulator();
    const stateDir = tempDir();
    const tokenFile = path.join(stateDir, 'token');
    writeFileSync(tokenFile, 'a-long-enough-secret-token\n', { mode: 0o600 });
    const tetherd = daemon(stateDir, { TETHER_SIGNAL_URL: backend.restUrl!, TETHER_LISTEN: '127.0.0.1:0', TETHER_TOKEN_FILE: tokenFile, TETHER_COMPAT_LISTEN: '127.0.0.1:0' });
    const line = await tetherd.ready();
    const target = { host: '127.0.0.1', port: (JSON.parse(line) as { tcp: { port: number } }).tcp.port };
    expect((await request(target, 'GET', '/v1/status', undefined, { authorization: 'bearer a-long-enough-secret-token' })).status).toBe(200);
    expect((await request(target, 'GET', '/v1/status', undefined, { authorization: 'BEARER a-long-enough-secret-token' })).status).toBe(200);
    const compat = JSON.parse(await tetherd.logLine(/compat API listening/)) as { compat: { port: number } };
    const health = await request({ host: '127.0.0.1', port: compat.compat.port }, 'GET', '/v1/health', undefined, { host: `LOCALHOST:${compat.compat.port}`, authorization: 'Bearer a-long-enough-secret-token' });
    expect(health.status).toBe(204);
  });
});

describe('shutdown', () => {
  it('answers 503 with Retry-After while the send in flight finishes, then exits 0', async () => {
    const backend = await emulator();
    const tetherd = daemon(tempDir(), { TETHER_SIGNAL_URL: backend.restUrl!, TETHER_SHUTDOWN_TIMEOUT_MS: '1500', TETHER_SEND_TIMEOUT_MS: '5000' });
    await tetherd.ready();
    await tetherd.logLine(/"to":"connected"/);
    backend.hangNextSends(1);
    await tetherd.request('POST', '/v1/messages', { recipients: [FRIEND], message: 'in flight' });
    await tetherd.logLine(/message sending/);
    tetherd.process.kill('SIGTERM');
    await tetherd.logLine(/tetherd stopping/);
    const refused = await tetherd.request('POST', '/v1/messages', { recipients: [FRIEND], message: 'too late' });
    expect(refused).toMatchObject({ status: 503, body: { error: { code: 'shutting-down' } } });
    expect(refused.headers['retry-after']).toBe('5');
    expect((await tetherd.request('GET', '/v1/status')).status).toBe(200);
    expect(await tetherd.exited).toEqual({ code: 0, signal: null });
  });
});

describe('compat forward', () => {
  it('answers a request the backend never answers once the deadline passes, and serves the next', async () => {
    const backend = await emulator();
    const tetherd = daemon(tempDir(), { TETHER_SIGNAL_URL: backend.restUrl!, TETHER_COMPAT_LISTEN: '127.0.0.1:0', TETHER_SEND_TIMEOUT_MS: '400' });
    await tetherd.ready();
    await tetherd.logLine(/"to":"connected"/);
    const port = (JSON.parse(await tetherd.logLine(/compat API listening/)) as { compat: { port: number } }).compat.port;
    const sticker = { number: '+4915112345678', recipients: [FRIEND], message: 'a sticker', sticker: '0a1b2c3d:1' };
    backend.hangNextSends(1);
    const hung = await request<{ error: string }>({ host: '127.0.0.1', port }, 'POST', '/v2/send', sticker);
    expect(hung).toMatchObject({ status: 503, body: { error: expect.stringMatching(/did not answer in time/) } });
    expect((await request({ host: '127.0.0.1', port }, 'POST', '/v2/send', sticker)).status).toBe(201);
  });
});

function rawPost(socketPath: string, pathname: string, body: Buffer): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method: 'POST', path: pathname, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
