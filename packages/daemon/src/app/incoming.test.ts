// Incoming events: spooled once (a redelivery is refused by its key), filtered by the allowlist
// (never receipts or our own devices' sync messages), counted, loud when the spool cannot take
// them, and receipts move our sent messages forward only: sent → delivered → read.
import { parseReceiveFrame, type IncomingEvent } from '@tether/signal-transport';
import { describe, expect, it } from 'vitest';
import { EventLog } from './event-log.js';
import { IncomingHandler } from './incoming.js';
import { ACCOUNT, harnessStarter, FRIEND, incomingMessage, incomingReceipt, START, type Harness } from './testing/harness.js';
import { MemoryEventStore } from './testing/memory-event-store.js';
import { recordingLogger } from './testing/recording-logger.js';

const STRANGER = '+4915100000099';
const started = harnessStarter();

/** A message one of our own devices sent (signal-cli's sync of a sent message). */
function syncSent(timestamp: number): IncomingEvent {
  const frame = { account: ACCOUNT, envelope: { source: ACCOUNT, sourceNumber: ACCOUNT, sourceDevice: 2, timestamp, syncMessage: { sentMessage: { destination: FRIEND, destinationNumber: FRIEND, timestamp, message: 'from my phone' } } } };
  const parsed = parseReceiveFrame(frame, ACCOUNT);
  if (!parsed.ok) throw new Error('unparsable sync frame');
  return parsed.event;
}

const spooledTexts = async (harness: Harness): Promise<unknown[]> => (await harness.events.after(0, 100, 'incoming')).map((event) => (JSON.parse(event.data) as { text?: unknown; kind: string }).text ?? (JSON.parse(event.data) as { kind: string }).kind);

describe('incoming events', () => {
  it('spools each event once, with its raw envelope, and drops a redelivery by its key', async () => {
    const harness = await started();
    const first = incomingMessage({ text: 'one' });
    harness.transport.emit(first);
    harness.transport.emit(incomingMessage({ text: 'two' }));
    harness.transport.emit(first);
    await harness.incoming.settled();
    expect(await spooledTexts(harness)).toEqual(['one', 'two']);
    const [logged] = await harness.events.after(0, 1, 'incoming');
    expect(JSON.parse(logged!.data)).toHaveProperty('raw.dataMessage.message', 'one');
    expect(harness.metrics.incoming).toEqual(['message', 'message']);
    expect(harness.metrics.dropped).toEqual(['duplicate']);
  });

  it('keeps only allowed senders (number or ACI, any case), but never filters receipts or our own devices', async () => {
    const uuid = '6B0F101C-14D0-4AB8-BE91-B79B4835841C';
    const harness = await started({ allowFrom: [FRIEND, uuid] });
    harness.transport.emit(incomingMessage({ from: STRANGER, text: 'spam' }));
    harness.transport.emit(incomingMessage({ from: FRIEND, text: 'friend' }));
    harness.transport.emit(incomingMessage({ from: uuid.toLowerCase(), text: 'by uuid' }));
    harness.transport.emit(incomingReceipt('delivery', [1]));
    harness.transport.emit(syncSent(START + 5));
    await harness.incoming.settled();
    expect(await spooledTexts(harness)).toEqual(['friend', 'by uuid', 'receipt', 'from my phone']);
    expect(harness.metrics.dropped).toEqual(['not-allowed']);
  });

  it('counts an event the spool could not take as lost, and logs it loudly', async () => {
    const store = new MemoryEventStore();
    const logger = recordingLogger();
    const dropped: string[] = [];
    const handler = new IncomingHandler({
      events: new EventLog(store, logger),
      metrics: { incoming: () => undefined, dropped: (reason) => dropped.push(reason) },
      clock: { now: () => START, setTimeout: () => 0, clearTimeout: () => undefined },
      logger,
    });
    store.failNext = new Error('database or disk is full');
    handler.accept(incomingMessage({ text: 'lost' }));
    handler.accept(incomingMessage({ text: 'kept' }));
    await handler.settled();
    expect(dropped).toEqual(['spool-failed']);
    expect(logger.lines.find((line) => line.level === 'error')).toMatchObject({ message: 'incoming event could not be spooled and is lost', fields: { kind: 'message' } });
    expect(store.events).toHaveLength(1);
  });
});

describe('receipts', () => {
  it('move a sent message to delivered, then read, and never back (core applies them; the receipt is also spooled)', async () => {
    const harness = await started();
    const id = (await harness.service.submit({ recipients: [FRIEND], message: 'read me' })).messages[0]!.id;
    await harness.until(async () => (await harness.service.message(id)).state === 'sent', 'the send');
    const timestamp = String((await harness.service.message(id)).signalTimestamp!);
    const stateAfter = async (type: 'delivered' | 'read'): Promise<string> => {
      harness.transport.receipt(type, [timestamp, '999']);
      await harness.settle();
      return (await harness.service.message(id)).state;
    };
    expect(await stateAfter('delivered')).toBe('delivered');
    expect(await stateAfter('read')).toBe('read');
    expect(await stateAfter('delivered')).toBe('read');
  });

  it('leave a message that is not sent alone', async () => {
    const harness = await started();
    harness.transport.queueOutcomes('hang');
    const id = (await harness.service.submit({ recipients: [FRIEND], message: 'hanging' })).messages[0]!.id;
    await harness.until(() => harness.transport.sent.length === 1, 'the send');
    harness.transport.receipt('read', ['4242']);
    await harness.settle();
    expect((await harness.service.message(id)).state).toBe('sending');
  });
});
