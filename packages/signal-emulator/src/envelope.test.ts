import { describe, expect, it } from 'vitest';
import { buildMessageEnvelope, buildReactionEnvelope, buildReceiptEnvelope, buildTypingEnvelope, defaultSender } from './envelope.js';
import { uuidFor } from './identity.js';

const timestamp = 1_755_000_000_000;

describe('buildMessageEnvelope', () => {
  it('emits every nullable key, in signal-cli order, with nulls where signal-cli writes them', () => {
    const envelope = buildMessageEnvelope({ from: '+4915100000001', text: 'hi', timestamp, serverTimestamp: timestamp + 100 });
    expect(JSON.stringify(envelope)).toBe(
      JSON.stringify({
        source: '+4915100000001',
        sourceNumber: '+4915100000001',
        sourceUuid: uuidFor('+4915100000001'),
        sourceName: null,
        sourceDevice: 1,
        timestamp,
        serverReceivedTimestamp: timestamp + 100,
        serverDeliveredTimestamp: timestamp + 100,
        dataMessage: { timestamp, message: 'hi', expiresInSeconds: 0, isExpirationUpdate: false, viewOnce: false },
      }),
    );
  });

  it('omits empty optional lists and keeps message null for an attachment-only message', () => {
    const envelope = buildMessageEnvelope({ timestamp, attachments: [{ contentType: 'image/png', filename: 'cat.png', size: 3 }] });
    expect(envelope.dataMessage?.message).toBeNull();
    expect(envelope.dataMessage).not.toHaveProperty('mentions');
    expect(envelope.dataMessage?.attachments).toEqual([
      {
        contentType: 'image/png',
        filename: 'cat.png',
        id: expect.stringMatching(/^[A-Za-z0-9_-]{20}\.png$/) as unknown,
        size: 3,
        width: null,
        height: null,
        caption: null,
        uploadTimestamp: timestamp,
      },
    ]);
    expect(envelope.sourceNumber).toBe(defaultSender);
  });

  it('takes the UUID as legacy source when the sender hides its number', () => {
    const uuid = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
    const envelope = buildMessageEnvelope({ fromUuid: uuid, timestamp });
    expect(envelope).toMatchObject({ source: uuid, sourceNumber: null, sourceUuid: uuid });
  });

  it('adds groupInfo with the raw signal-cli group id', () => {
    const envelope = buildMessageEnvelope({ text: 'hi', groupId: 'Pmpi+EfPWmsxiomLe9Nx2XF9HOE483p6iKiFj65iMwI=', timestamp });
    expect(envelope.dataMessage?.groupInfo).toEqual({
      groupId: 'Pmpi+EfPWmsxiomLe9Nx2XF9HOE483p6iKiFj65iMwI=',
      groupName: null,
      revision: 1,
      type: 'DELIVER',
    });
  });
});

describe('other envelopes', () => {
  it('builds a receipt with all flags present', () => {
    const envelope = buildReceiptEnvelope({ kind: 'read', timestamps: [1, 2], timestamp });
    expect(envelope.receiptMessage).toEqual({ when: timestamp, isDelivery: false, isRead: true, isViewed: false, timestamps: [1, 2] });
    expect(envelope).not.toHaveProperty('dataMessage');
  });

  it('builds a reaction as a data message with a null body', () => {
    const envelope = buildReactionEnvelope({ emoji: '👍', targetAuthor: '+4915112345678', targetTimestamp: 42, timestamp });
    expect(envelope.dataMessage).toMatchObject({
      message: null,
      reaction: {
        emoji: '👍',
        targetAuthor: '+4915112345678',
        targetAuthorNumber: '+4915112345678',
        targetAuthorUuid: uuidFor('+4915112345678'),
        targetSentTimestamp: 42,
        isRemove: false,
      },
    });
    expect(() => buildReactionEnvelope({ emoji: '👍', targetAuthor: 'nobody', targetTimestamp: 1 })).toThrow(TypeError);
  });

  it('builds typing messages, omitting groupId when there is none', () => {
    expect(buildTypingEnvelope({ timestamp }).typingMessage).toEqual({ action: 'STARTED', timestamp });
    expect(buildTypingEnvelope({ action: 'stopped', groupId: 'abc=', timestamp }).typingMessage).toEqual({
      action: 'STOPPED',
      timestamp,
      groupId: 'abc=',
    });
  });
});
