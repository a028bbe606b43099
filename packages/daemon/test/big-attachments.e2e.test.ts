// Issue 14, item 1, through the real tetherd: a large attachment streams into the store and out to
// the backend (both backends, the control API and compat), arriving whole; a tetherd killed in the
// middle of an upload has accepted nothing, keeps working after a restart, and the half-stored
// bytes stay out of every message.
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startEmulator } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../src/protocol/index.js';
import { call, compatDaemon } from './compat-helpers.js';
import { ACCOUNT, FRIEND, Tetherd, tempDir, within } from './tetherd.js';

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

const BYTES = 6 * 1024 * 1024 + 5; // six chunks and a bit
/** A busy machine may take seconds to move 8 MB through the emulator: no send deadline (and no resend) meanwhile. */
const UNHURRIED = { TETHER_SEND_TIMEOUT_MS: '60000' };
const data = Buffer.from(Uint8Array.from({ length: BYTES }, (_, index) => index % 251)).toString('base64');

describe.each(['rest', 'jsonrpc'] as const)('over %s', (backend) => {
  it('sends a 6 MiB attachment from the control API and from compat, whole', async () => {
    const emulator = await startEmulator({ account: ACCOUNT, ...(backend === 'rest' ? {} : { rest: false, jsonRpc: { tcp: { port: 0 }, receiveMode: 'manual' } }) });
    running.push({ stop: () => emulator.close() });
    const { tetherd, base } = await compatDaemon({ TETHER_SIGNAL_URL: backend === 'rest' ? emulator.restUrl! : emulator.jsonRpcUrl!, ...UNHURRIED });
    running.push({ stop: () => tetherd.kill() });
    await tetherd.logLine(/"to":"connected"/);
    const stream = tetherd.events('?kinds=message', '0');
    const control = await tetherd.request<Message>('POST', '/v1/messages', { recipients: [FRIEND], message: 'big', attachments: [{ filename: 'big.bin', contentType: 'application/octet-stream', data }] });
    expect(control.status).toBe(202);
    const compat = await call(base, 'POST', '/v2/send', { number: ACCOUNT, recipients: [FRIEND], message: 'big too', base64_attachments: [`data:application/octet-stream;filename=big.bin;base64,${data}`] });
    expect(compat).toMatchObject({ status: 201, headers: { 'x-tether-send': 'sent' } });
    await stream.until((events) => events.filter((event) => event.data['state'] === 'sent').length === 2, 'both sent');
    stream.close();
    expect(emulator.sent().map((record) => record.attachments)).toEqual([
      [{ contentType: 'application/octet-stream', filename: 'big.bin', size: BYTES }],
      [{ contentType: 'application/octet-stream', filename: 'big.bin', size: BYTES }],
    ]);
    const shown = await tetherd.request<Message>('GET', `/v1/messages/${control.body.id}`);
    expect(shown.body.attachments).toEqual([{ filename: 'big.bin', contentType: 'application/octet-stream', size: BYTES }]);
  });
});

describe('a tetherd killed in the middle of an upload', () => {
  it('has accepted nothing, and takes the request again after a restart', async () => {
    const emulator = await startEmulator({ account: ACCOUNT });
    running.push({ stop: () => emulator.close() });
    const stateDir = tempDir();
    const env = { TETHER_SIGNAL_URL: emulator.restUrl!, ...UNHURRIED };
    const first = new Tetherd(stateDir, env);
    running.push({ stop: () => first.kill() });
    await first.ready();
    const body = Buffer.from(JSON.stringify({ recipients: [FRIEND], attachments: [{ filename: 'big.bin', contentType: 'application/octet-stream', data }] }));
    // half the body, then nothing: tetherd stores what it has read
    const upload = http.request({ socketPath: first.socket, method: 'POST', path: '/v1/messages', headers: { 'content-type': 'application/json', 'content-length': body.length } });
    upload.on('error', () => undefined);
    upload.write(body.subarray(0, body.length / 2));
    const blobs = path.join(stateDir, 'blobs');
    await within(
      (async () => {
        while (!existsSync(blobs) || readdirSync(blobs).length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
      })(),
      'chunks of the upload on disk',
    );
    await first.kill('SIGKILL');
    upload.destroy();
    const left = readdirSync(blobs);
    const second = new Tetherd(stateDir, env);
    running.push({ stop: () => second.kill() });
    await second.ready();
    expect((await second.request<Message[]>('GET', '/v1/messages')).body).toEqual([]);
    const again = await second.request<Message>('POST', '/v1/messages', JSON.parse(body.toString('utf8')));
    expect(again.status).toBe(202);
    const stream = second.events('?kinds=message', '0');
    await stream.until((events) => events.some((event) => event.data['id'] === again.body.id && event.data['state'] === 'sent'), 'the send');
    stream.close();
    expect(emulator.sent().map((record) => record.attachments)).toEqual([[{ contentType: 'application/octet-stream', filename: 'big.bin', size: BYTES }]]);
    // the dead request's chunks are still there for the hourly sweep, apart from the new message's
    expect(readdirSync(blobs)).toEqual(expect.arrayContaining(left));
    expect(readdirSync(blobs).length).toBeGreaterThan(left.length);
  });
});
