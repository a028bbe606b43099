import { describe, expect, it } from 'vitest';
import { renderIncoming, type IncomingData } from './incoming-view.js';
import { plain } from './style.js';

const common = {
  account: '+15555550199',
  source: { number: '+4915112344567', uuid: 'u-1', name: 'Alice', device: 1 },
  timestamp: Date.parse('2026-03-01T12:00:00'),
  serverReceivedTimestamp: null,
  serverDeliveredTimestamp: null,
};
const content = { text: 'hello', group: null, attachments: [], quote: null, mentions: [], sticker: null, expiresInSeconds: 0, viewOnce: false, isExpirationUpdate: false };

describe('renderIncoming', () => {
  it('shows the id, local time, sender as signal-cli does, and the text', () => {
    expect(renderIncoming('42', { ...common, ...content, kind: 'message' }, plain)).toBe('#42 2026-03-01 12:00:00 +4915112344567 (Alice): hello');
  });

  it('names the group with the id to reply to, and lists attachments', () => {
    const event: IncomingData = {
      ...common,
      ...content,
      kind: 'message',
      text: null,
      group: { id: 'raw', restId: 'group.cmF3', name: 'Team' },
      attachments: [{ contentType: 'image/png', filename: 'a.png', id: 'x', size: 2048, width: null, height: null, caption: null }],
    };
    expect(renderIncoming('7', event, plain)).toBe('#7 2026-03-01 12:00:00 +4915112344567 (Alice) in "Team" [group.cmF3]: [image/png a.png 2.0 KiB]');
  });

  it('describes reactions, receipts, typing and other events in words', () => {
    expect(renderIncoming('1', { ...common, kind: 'reaction', emoji: '👍', targetAuthor: { number: null, uuid: null }, targetSentTimestamp: 5, isRemove: false, group: null }, plain)).toMatch(/reacted 👍 to 5$/);
    expect(renderIncoming('2', { ...common, kind: 'receipt', receiptType: 'read', timestamps: [5, 6], when: 7 }, plain)).toMatch(/read receipt for 5, 6$/);
    expect(renderIncoming('3', { ...common, kind: 'typing', action: 'started', group: null }, plain)).toMatch(/is typing$/);
    expect(renderIncoming('4', { ...common, kind: 'other', what: 'call' }, plain)).toMatch(/\(call\)$/);
  });
});
