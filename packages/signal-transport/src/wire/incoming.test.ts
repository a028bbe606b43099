import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupIdForReply } from './group-id.js';
import { dedupeKey, parseReceiveFrame, unwrapReceiveParams } from './incoming.js';
import type { IncomingEvent } from './incoming-types.js';

const ACCOUNT = '+4915200000001';
const GROUP = 'fIr9NMm8aHl5TES9PT4lanWe+mbOA1u/zF2dklcOZp4=';
const ALICE = { number: '+4917612345678', uuid: 'ca354906-75fd-4290-a4bd-324b4c0ad454' };
const FIXTURES = new URL('./__fixtures__/', import.meta.url);

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as unknown;
}

function event(name: string): IncomingEvent {
  const result = parseReceiveFrame(fixture(name), ACCOUNT);
  if (!result.ok) throw new Error(`${name}: ${result.reason}`);
  return result.event;
}

describe('parseReceiveFrame on fixtures', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['message-direct', { kind: 'message', text: 'Are we still on for Thursday?', group: null, expiresInSeconds: 0, viewOnce: false, quote: null }],
    ['message-group', { kind: 'message', group: { id: GROUP, restId: groupIdForReply(GROUP), name: 'Book club' }, mentions: [{ ...ALICE, start: 0, length: 1 }] }],
    ['message-sticker', { kind: 'message', text: null, sticker: { packId: 'bcd5ba70e23c752ebb2a047f6bcd2811', stickerId: 3 } }],
    ['message-expiration-update', { kind: 'message', isExpirationUpdate: true, expiresInSeconds: 604800 }],
    ['message-view-once', { kind: 'message', viewOnce: true }],
    ['edit', { kind: 'edit', targetSentTimestamp: 1755000100000, text: 'Are we still on for Friday?' }],
    ['reaction-group', { kind: 'reaction', emoji: '👍', isRemove: false, targetSentTimestamp: 1755000000000, targetAuthor: { number: ACCOUNT, uuid: '6b0f101c-14d0-4ab8-be91-b79b4835841c' } }],
    ['reaction-remove', { kind: 'reaction', isRemove: true, group: null, targetAuthor: { number: null, uuid: '6b0f101c-14d0-4ab8-be91-b79b4835841c' } }],
    ['receipt-delivery', { kind: 'receipt', receiptType: 'delivery', timestamps: [1755000000000, 1755000001000], when: 1755000600000 }],
    ['receipt-read', { kind: 'receipt', receiptType: 'read', timestamps: [1755000000000] }],
    ['receipt-viewed', { kind: 'receipt', receiptType: 'viewed' }],
    ['typing-started-group', { kind: 'typing', action: 'started', group: { id: GROUP, restId: groupIdForReply(GROUP), name: null } }],
    ['typing-stopped', { kind: 'typing', action: 'stopped', group: null }],
    ['sync-sent-subscription', { kind: 'sync-sent', destination: ALICE, text: 'Yes, Thursday 7pm', editTargetTimestamp: null }],
    ['sync-sent-group-edit', { kind: 'sync-sent', destination: null, editTargetTimestamp: 1755000905000, text: 'Next meeting: Friday' }],
    ['sync-read', { kind: 'other', what: 'sync' }],
    ['remote-delete', { kind: 'other', what: 'remote-delete', targetSentTimestamp: 1755000100000, group: null }],
    // The newer parts, written from S:…/json/JsonAdminDelete.java, JsonPinMessage.java, JsonPollCreate.java, …
    ['admin-delete', { kind: 'other', what: 'admin-delete', targetAuthor: { number: ACCOUNT, uuid: '6b0f101c-14d0-4ab8-be91-b79b4835841c' }, targetSentTimestamp: 1755000000000, group: { id: GROUP } }],
    ['pin', { kind: 'other', what: 'pin', targetSentTimestamp: 1755000000000, pinDurationSeconds: null, group: { name: 'Book club' } }],
    ['unpin', { kind: 'other', what: 'unpin', targetAuthor: { number: ACCOUNT }, targetSentTimestamp: 1755000000000 }],
    ['poll-create', { kind: 'other', what: 'poll-create', question: 'Which book next?', options: ['Dune', 'Emma', 'Ulysses'], allowMultiple: false }],
    ['poll-vote', { kind: 'other', what: 'poll-vote', targetAuthor: { number: ACCOUNT }, targetSentTimestamp: 1755002300000, optionIndexes: [1], voteCount: 2 }],
    ['poll-terminate', { kind: 'other', what: 'poll-terminate', targetSentTimestamp: 1755002300000 }],
    ['payment', { kind: 'other', what: 'payment', note: 'for the pizza', group: null }],
    ['contacts', { kind: 'other', what: 'contacts', contacts: [{ name: 'Ada Lovelace', phones: ['+4917687654321'], emails: [], organization: null }] }],
    ['story', { kind: 'other', what: 'story' }],
    ['call-offer', { kind: 'other', what: 'call' }],
    ['exception-untrusted', { kind: 'other', what: 'none', exception: { message: 'Untrusted identity key!', type: 'UntrustedIdentityException' } }],
  ];
  it.each(cases)('%s', (name, expected) => {
    expect(event(name)).toMatchObject({ account: ACCOUNT, ...expected });
  });

  it('keeps a part beside text or attachments a message, and names an unreadable part malformed', () => {
    const direct = fixture('message-direct') as { envelope: { dataMessage: Record<string, unknown> } };
    const withText = { ...direct, envelope: { ...direct.envelope, dataMessage: { ...direct.envelope.dataMessage, remoteDelete: { timestamp: 1 } } } };
    expect(parseReceiveFrame(withText, ACCOUNT)).toMatchObject({ ok: true, event: { kind: 'message' } });
    const pin = fixture('pin') as { envelope: { dataMessage: Record<string, unknown> } };
    const broken = { ...pin, envelope: { ...pin.envelope, dataMessage: { ...pin.envelope.dataMessage, pinMessage: { pinDurationSeconds: 60 } } } };
    expect(parseReceiveFrame(broken, ACCOUNT)).toMatchObject({ ok: true, event: { kind: 'other', what: 'malformed' } });
    const timed = { ...pin, envelope: { ...pin.envelope, dataMessage: { ...pin.envelope.dataMessage, pinMessage: { targetSentTimestamp: 5, pinDurationSeconds: 60 } } } };
    expect(parseReceiveFrame(timed, ACCOUNT)).toMatchObject({ ok: true, event: { what: 'pin', pinDurationSeconds: 60, targetAuthor: { number: null, uuid: null } } });
  });

  it('reads the common fields and keeps the raw envelope', () => {
    const parsed = event('message-direct');
    expect(parsed.source).toEqual({ ...ALICE, name: 'Alice Example', device: 1 });
    expect(parsed).toMatchObject({ timestamp: 1755000100000, serverReceivedTimestamp: 1755000100412, serverDeliveredTimestamp: 1755000100530 });
    expect(parsed.raw).toEqual((fixture('message-direct') as { envelope: unknown }).envelope);
    expect('exception' in parsed).toBe(false);
  });

  it('reads attachments with their nulls, and quotes', () => {
    const parsed = event('message-attachment-quote');
    if (parsed.kind !== 'message') throw new Error(parsed.kind);
    expect(parsed.source).toEqual({ number: null, uuid: 'a446bfdb-ec78-4e77-9d4b-acf5b06fed5c', name: 'Carol', device: 1 });
    expect(parsed.attachments).toEqual([
      { contentType: 'image/jpeg', filename: 'harbour.jpg', id: 'Xq3vN0pTm1bq8cYwRk2L.jpg', size: 184233, width: 1600, height: 1200, caption: null },
      { contentType: 'application/pdf', filename: null, id: null, size: null, width: null, height: null, caption: null },
    ]);
    expect(parsed.quote).toEqual({ id: 1755000100000, author: { number: ACCOUNT, uuid: '6b0f101c-14d0-4ab8-be91-b79b4835841c' }, text: 'Photos from Sunday?' });
  });

  it('tells a frame for another account apart', () => {
    expect(parseReceiveFrame(fixture('foreign-account'), ACCOUNT)).toEqual({ ok: false, reason: 'foreign-account', account: '+4915200000002' });
  });
});

describe('parseReceiveFrame on odd input', () => {
  const envelope = { timestamp: 1755000000000, sourceNumber: '+4917612345678', sourceDevice: 1 };
  const malformed: [string, unknown][] = [
    ['null', null],
    ['a number', 42],
    ['an array', [envelope]],
    ['text that is not JSON', '{"envelope":'],
    ['no envelope', { account: ACCOUNT }],
    ['an envelope that is not an object', { account: ACCOUNT, envelope: 'x' }],
    ['no timestamp', { account: ACCOUNT, envelope: { sourceNumber: '+4917612345678' } }],
    ['a timestamp as text', { account: ACCOUNT, envelope: { timestamp: '1755000000000' } }],
    ['a fractional timestamp', { account: ACCOUNT, envelope: { timestamp: 1.5 } }],
    ['an account that is not text', { account: 4915200000001, envelope }],
  ];
  it.each(malformed)('%s is malformed', (_name, value) => {
    expect(parseReceiveFrame(value, ACCOUNT)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('parses JSON text, and a frame without account as ours', () => {
    const result = parseReceiveFrame(JSON.stringify({ envelope }), ACCOUNT);
    expect(result).toMatchObject({ ok: true, event: { account: ACCOUNT, kind: 'other', what: 'none' } });
  });

  it('reports the REST error frame, masked', () => {
    expect(parseReceiveFrame({ error: 'The user +4917612345678 is not registered.' }, ACCOUNT)).toEqual({
      ok: false,
      reason: 'error-frame',
      detail: 'The user +49…5678 is not registered.',
    });
    expect(parseReceiveFrame({ error: { code: -3 } }, ACCOUNT)).toMatchObject({ reason: 'error-frame', detail: '{"code":-3}' });
  });

  it('tolerates an exception envelope without server timestamps or sender', () => {
    const frame = { account: ACCOUNT, envelope: { timestamp: 5, source: null }, exception: { type: 'ProtocolInvalidMessageException' } };
    expect(parseReceiveFrame(frame, ACCOUNT)).toMatchObject({
      ok: true,
      event: {
        kind: 'other',
        source: { number: null, uuid: null, name: null, device: null },
        serverReceivedTimestamp: null,
        serverDeliveredTimestamp: null,
        exception: { message: '', type: 'ProtocolInvalidMessageException' },
      },
    });
  });

  it('fills number or uuid from the deprecated source field', () => {
    const byNumber = parseReceiveFrame({ envelope: { timestamp: 1, source: '+4917612345678' } }, ACCOUNT);
    const byUuid = parseReceiveFrame({ envelope: { timestamp: 1, source: ALICE.uuid } }, ACCOUNT);
    expect(byNumber).toMatchObject({ event: { source: { number: '+4917612345678', uuid: null } } });
    expect(byUuid).toMatchObject({ event: { source: { number: null, uuid: ALICE.uuid } } });
  });

  const others: [string, Record<string, unknown>, string][] = [
    ['a reaction without target', { dataMessage: { timestamp: 1, reaction: { emoji: '👍' } } }, 'reaction'],
    ['an edit without data', { editMessage: { targetSentTimestamp: 1 } }, 'edit'],
    ['a receipt with no type set', { receiptMessage: { when: 1, isDelivery: false, isRead: false, isViewed: false, timestamps: [] } }, 'receipt'],
    ['a typing action of a later version', { typingMessage: { action: 'PAUSED', timestamp: 1 } }, 'typing'],
  ];
  it.each(others)('%s becomes other', (_name, part, what) => {
    expect(parseReceiveFrame({ envelope: { timestamp: 1, ...part } }, ACCOUNT)).toMatchObject({ ok: true, event: { kind: 'other', what } });
  });

  it('reads a data message with missing and mistyped fields as defaults', () => {
    const frame = {
      envelope: {
        timestamp: 9,
        dataMessage: { message: 7, attachments: [null, { contentType: 'text/plain' }], mentions: [{ start: 1 }, 'x'], quote: { text: 'no id' }, sticker: { packId: 'ab' }, groupInfo: { groupId: '' } },
      },
    };
    expect(parseReceiveFrame(frame, ACCOUNT)).toMatchObject({
      event: { kind: 'message', text: null, group: null, quote: null, sticker: null, mentions: [], expiresInSeconds: 0, viewOnce: false, isExpirationUpdate: false },
    });
    const result = parseReceiveFrame(frame, ACCOUNT);
    expect(result.ok && result.event.kind === 'message' && result.event.attachments.length).toBe(1);
  });

  it('takes a receipt without when at the envelope time, dropping bad timestamps', () => {
    const frame = { envelope: { timestamp: 77, receiptMessage: { isDelivery: true, timestamps: [1, 'x', 2.5, 3] } } };
    expect(parseReceiveFrame(frame, ACCOUNT)).toMatchObject({ event: { kind: 'receipt', when: 77, timestamps: [1, 3] } });
  });
});

describe('unwrapReceiveParams', () => {
  const frame = { envelope: { timestamp: 1 }, account: ACCOUNT };
  it.each([
    ['plain params', frame],
    ['subscription-wrapped', { subscription: 3, result: frame }],
    ['a whole notification', { jsonrpc: '2.0', method: 'receive', params: frame }],
    ['a whole wrapped notification', { jsonrpc: '2.0', method: 'receive', params: { subscription: 0, result: frame } }],
  ])('%s', (_name, value) => {
    expect(unwrapReceiveParams(value)).toEqual(frame);
  });
  it('leaves anything else alone', () => {
    expect(unwrapReceiveParams('x')).toBe('x');
    expect(unwrapReceiveParams({ result: frame })).toEqual({ result: frame });
  });
});

describe('dedupeKey', () => {
  it('is (uuid or number, device, timestamp)', () => {
    expect(dedupeKey(event('message-direct'))).toBe(`${ALICE.uuid}:1:1755000100000`);
    const numberOnly = parseReceiveFrame({ envelope: { timestamp: 5, sourceNumber: '+4917612345678' } }, ACCOUNT);
    const nobody = parseReceiveFrame({ envelope: { timestamp: 5 } }, ACCOUNT);
    expect(numberOnly.ok && dedupeKey(numberOnly.event)).toBe('+4917612345678:0:5');
    expect(nobody.ok && dedupeKey(nobody.event)).toBe('unknown:0:5');
  });

  it('keeps a failed envelope apart from its later successful redelivery', () => {
    const failed = event('exception-untrusted');
    const envelope = (fixture('exception-untrusted') as { envelope: object }).envelope;
    const redelivered = parseReceiveFrame({ account: ACCOUNT, envelope: { ...envelope, dataMessage: { timestamp: 1755001300000, message: 'hi' } } }, ACCOUNT);
    expect(redelivered.ok).toBe(true);
    expect(redelivered.ok && dedupeKey(redelivered.event)).not.toBe(dedupeKey(failed));
    expect(dedupeKey(failed)).toBe(dedupeKey(event('exception-untrusted')));
  });

  it('is the same for the same frame however it was wrapped', () => {
    const plain = fixture('sync-sent-subscription') as { result: unknown };
    const a = parseReceiveFrame(plain, ACCOUNT);
    const b = parseReceiveFrame(JSON.stringify({ jsonrpc: '2.0', method: 'receive', params: plain.result }), ACCOUNT);
    expect(a.ok && b.ok && dedupeKey(a.event) === dedupeKey(b.event)).toBe(true);
  });
});

describe('properties', () => {
  it('never throws on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = parseReceiveFrame(value, ACCOUNT);
        expect(typeof result.ok).toBe('boolean');
      }),
    );
  });

  it('never throws when any field of a real frame is replaced', () => {
    const names = readdirSync(FIXTURES).filter((name) => name.endsWith('.json') && !name.startsWith('signal-cli'));
    const frames = names.map((name) => fixture(name.replace(/\.json$/, '')));
    fc.assert(
      fc.property(fc.constantFrom(...frames), fc.nat(), fc.jsonValue(), (frame, pick, replacement) => {
        const copy = structuredClone(frame);
        const holders: Record<string, unknown>[] = [];
        const walk = (value: unknown): void => {
          if (typeof value !== 'object' || value === null) return;
          holders.push(value as Record<string, unknown>);
          Object.values(value).forEach(walk);
        };
        walk(copy);
        const holder = holders[pick % holders.length];
        const keys = holder === undefined ? [] : Object.keys(holder);
        const key = keys[pick % Math.max(keys.length, 1)];
        if (holder !== undefined && key !== undefined) holder[key] = replacement;
        const result = parseReceiveFrame(copy, ACCOUNT);
        if (result.ok) expect(Number.isSafeInteger(result.event.timestamp)).toBe(true);
      }),
    );
  });
});
