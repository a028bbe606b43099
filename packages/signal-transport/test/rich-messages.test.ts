// Styled text, mentions and quotes reach signal-cli the same way over both backends: through the
// REST API (whose server parses the styled text) and straight over JSON-RPC (where Tether parses
// it as the REST server would). One emulator serves both, and its record is what signal-cli got.
// Receipts on each backend move the sent message forward through core's outbox.
import { MemoryOutboxStore } from '@tether/core';
import { startEmulator, type Emulator, type SentRecord } from '@tether/signal-emulator';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignalChannel, type OutgoingMessage, type SignalChannel } from '../src/index.js';
import { ACCOUNT, FAST, FRIEND, linkReaches, messagesReach, track } from './helpers.js';

let emulator: Emulator;
const channels: Partial<Record<'rest' | 'jsonrpc', SignalChannel>> = {};

beforeAll(async () => {
  emulator = await startEmulator({ account: ACCOUNT, jsonRpc: { tcp: { port: 0 }, receiveMode: 'manual' } });
  for (const backend of ['rest', 'jsonrpc'] as const) {
    const store = new MemoryOutboxStore<OutgoingMessage>();
    const signal = createSignalChannel({ url: backend === 'rest' ? emulator.restUrl! : emulator.jsonRpcUrl!, account: ACCOUNT, store, ...FAST });
    track(signal.channel, store);
    await signal.channel.start();
    await linkReaches(signal.channel, 'connected');
    channels[backend] = signal;
  }
});

afterAll(async () => {
  for (const signal of Object.values(channels)) await signal?.close();
  await emulator.close();
});

/** Sends `message` over one backend and returns what signal-cli recorded for it. */
async function recorded(backend: 'rest' | 'jsonrpc', message: OutgoingMessage): Promise<SentRecord> {
  const { channel } = channels[backend]!;
  const [record] = await messagesReach(channel, [(await channel.send(message)).id]);
  return emulator.sent().find((sent) => String(sent.timestamp) === record!.backendId)!;
}

/** The part of a record that depends on the request, not on the backend or the moment. */
function content(record: SentRecord): Partial<SentRecord> {
  const { message, textStyles, mentions, quote, recipients } = record;
  return { message, recipients, ...(textStyles ? { textStyles } : {}), ...(mentions ? { mentions } : {}), ...(quote ? { quote } : {}) };
}

describe('rich messages over both backends', () => {
  it('arrive at signal-cli identically: stripped text, styles, mentions and the quote', async () => {
    const message: OutgoingMessage = {
      recipients: [FRIEND],
      message: '**Disk** full on *web-1*, ask X',
      textMode: 'styled',
      mentions: [{ start: 23, length: 1, author: FRIEND }],
      quote: { timestamp: 1_755_000_000_000, author: FRIEND, message: 'status?', mentions: [{ start: 0, length: 1, author: FRIEND }] },
    };
    const rest = await recorded('rest', message);
    const jsonRpc = await recorded('jsonrpc', message);
    expect(content(rest)).toEqual({
      message: 'Disk full on web-1, ask X',
      recipients: [FRIEND],
      textStyles: ['0:4:BOLD', '13:5:ITALIC'],
      mentions: [`23:1:${FRIEND}`],
      quote: { timestamp: 1_755_000_000_000, author: FRIEND, message: 'status?', mentions: [`0:1:${FRIEND}`] },
    });
    expect(content(jsonRpc)).toEqual(content(rest));
  });

  it('parse any styled text the same way on both (the REST server parses one, Tether the other)', async () => {
    const text = fc.array(fc.constantFrom('*', '**', '|', '||', '~', '`', '\\', 'a', 'b', ' ', 'ü', '😀'), { maxLength: 24 }).map((parts) => parts.join(''));
    await fc.assert(
      fc.asyncProperty(text, async (body) => {
        const message: OutgoingMessage = { recipients: [FRIEND], message: `x${body}`, textMode: 'styled' };
        const [rest, jsonRpc] = [await recorded('rest', message), await recorded('jsonrpc', message)];
        expect(content(jsonRpc)).toEqual(content(rest));
      }),
      { numRuns: 60 },
    );
  });

  it('moves a sent message to delivered, then read, when receipts name its timestamp', async () => {
    for (const backend of ['rest', 'jsonrpc'] as const) {
      const { channel } = channels[backend]!;
      const [sent] = await messagesReach(channel, [(await channel.send({ recipients: [FRIEND], message: `receipt over ${backend}` })).id]);
      emulator.injectReceipt({ from: FRIEND, timestamps: [Number(sent!.backendId)], kind: 'delivery' });
      await messagesReach(channel, [sent!.id], ['delivered']);
      emulator.injectReceipt({ from: FRIEND, timestamps: [Number(sent!.backendId)], kind: 'viewed' });
      await messagesReach(channel, [sent!.id], ['read']);
    }
  });
});
