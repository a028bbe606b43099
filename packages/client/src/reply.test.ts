import { describe, expect, it } from 'vitest';
import type { IncomingEvent } from './events.js';
import { replyRecipients } from './reply.js';

const base = {
  account: '+15555550199',
  source: { number: '+15555550100', uuid: '0a5b2e2c-4d51-4c5a-9d6c-7d0d2d6f1a11', name: 'Alice', device: 1 },
  timestamp: 1_772_366_590_000,
  serverReceivedTimestamp: null,
  serverDeliveredTimestamp: null,
  text: 'hi',
  attachments: [],
  quote: null,
  mentions: [],
  sticker: null,
  expiresInSeconds: 0,
  viewOnce: false,
  isExpirationUpdate: false,
} as const;

describe('replyRecipients', () => {
  it('answers in the group a message came from, by its REST id', () => {
    const event: IncomingEvent = { ...base, kind: 'message', group: { id: 'cmF3', restId: 'group.Y21GMw==', name: 'Ops' } };
    expect(replyRecipients(event)).toEqual(['group.Y21GMw==']);
  });

  it('answers the sender by number, else by ACI UUID, else nobody', () => {
    expect(replyRecipients({ ...base, kind: 'message', group: null })).toEqual(['+15555550100']);
    const hidden = { ...base, source: { ...base.source, number: null } };
    expect(replyRecipients({ ...hidden, kind: 'typing', action: 'started', group: null })).toEqual([base.source.uuid]);
    expect(replyRecipients({ ...base, source: { number: null, uuid: null, name: null, device: null }, kind: 'other', what: 'none' })).toEqual([]);
  });
});
