// Issue 10, item 5, through the real tetherd: an attachment called `100% sure+ok.pdf` arrives with
// that name, sent through the control API and through the compat endpoint, on both backends
// (the REST API names a file with it verbatim; signal-cli URL-decodes a data URI's name).
import { startEmulator } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../src/protocol/index.js';
import { call, compatDaemon } from './compat-helpers.js';
import { ACCOUNT, FRIEND } from './tetherd.js';

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

const NAME = '100% sure+ok.pdf';
const PDF = Buffer.from('%PDF-1.4 odd name').toString('base64');

describe.each(['rest', 'jsonrpc'] as const)('over %s', (backend) => {
  it(`keeps the name "${NAME}" from the control API and from compat`, async () => {
    const emulator = await startEmulator({ account: ACCOUNT, ...(backend === 'rest' ? {} : { rest: false, jsonRpc: { tcp: { port: 0 }, receiveMode: 'manual' } }) });
    running.push({ stop: () => emulator.close() });
    const { tetherd, base } = await compatDaemon({ TETHER_SIGNAL_URL: backend === 'rest' ? emulator.restUrl! : emulator.jsonRpcUrl! });
    running.push({ stop: () => tetherd.kill() });
    await tetherd.logLine(/"to":"connected"/);
    const stream = tetherd.events('?kinds=message', '0');
    const control = await tetherd.request<Message>('POST', '/v1/messages', { recipients: [FRIEND], attachments: [{ filename: NAME, contentType: 'application/pdf', data: PDF }] });
    expect(control.status).toBe(202);
    const compat = await call(base, 'POST', '/v2/send', { number: ACCOUNT, recipients: [FRIEND], message: 'the report', base64_attachments: [`data:application/pdf;filename=${NAME};base64,${PDF}`] });
    expect(compat).toMatchObject({ status: 201, headers: { 'x-tether-send': 'sent' } });
    await stream.until((events) => events.filter((event) => event.data['state'] === 'sent').length === 2, 'both sent');
    expect(emulator.sent().map((record) => record.attachments)).toEqual([
      [{ contentType: 'application/pdf', filename: NAME, size: Buffer.from(PDF, 'base64').length }],
      [{ contentType: 'application/pdf', filename: NAME, size: Buffer.from(PDF, 'base64').length }],
    ]);
    stream.close();
  });
});
