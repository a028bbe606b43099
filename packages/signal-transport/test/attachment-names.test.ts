// Issue 10, item 5: an attachment's name arrives as written. signal-cli URL-decodes the name in a
// data URI and reads an undecodable URI as a file path (S:lib/…/util/DataURI.java, Utils.java at
// c26e063); signal-cli-rest-api names its temp file with the text verbatim (R:src/client/attachment.go).
import type { Emulator } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { SignalChannel } from '../src/index.js';
import { channelOn, FRIEND, messagesReach, type BackendName } from './helpers.js';

let running: { emulator: Emulator; signal: SignalChannel } | undefined;

afterEach(async () => {
  await running?.signal.close();
  await running?.emulator.close();
  running = undefined;
});

describe.each(['rest', 'jsonrpc'] as const)('over %s', (backend: BackendName) => {
  it('sends "100% sure+ok.pdf" and Signal gets that name', async () => {
    running = await channelOn(backend);
    const { emulator, signal } = running;
    const names = ['100% sure+ok.pdf', 'a;b,c=d.txt', 'Grüße 📷.jpg'];
    const ids: string[] = [];
    for (const filename of names) ids.push((await signal.channel.send({ recipients: [FRIEND], attachments: [{ filename, contentType: 'application/pdf', data: Buffer.from('%PDF').toString('base64') }] })).id);
    const records = await messagesReach(signal.channel, ids, ['sent', 'failed']);
    expect(records.map((record) => record.state)).toEqual(['sent', 'sent', 'sent']);
    const arrived = emulator.sent().map((record) => record.attachments[0]?.filename);
    // REST splits the data URI's metadata on ';', so that one character is replaced there.
    expect(arrived).toEqual(['100% sure+ok.pdf', backend === 'rest' ? 'a_b,c=d.txt' : 'a;b,c=d.txt', 'Grüße 📷.jpg']);
    expect(emulator.sent().map((record) => record.attachments[0]?.size)).toEqual([4, 4, 4]);
  });
});
