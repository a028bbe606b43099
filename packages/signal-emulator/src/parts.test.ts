// The JSON of each newer part, exactly as signal-cli's records write it (S:…/json/JsonDataMessage.java,
// JsonPinMessage.java, JsonPollVote.java, JsonSharedContact.java, JsonContactName.java at c26e063).
import { describe, expect, it } from 'vitest';
import { makeGroupId } from './groups.js';
import { uuidFor } from './identity.js';
import { buildPartEnvelope } from './parts.js';

const friend = '+4915100000001';
const times = { from: friend, timestamp: 1_000, serverTimestamp: 1_001 };

describe('buildPartEnvelope', () => {
  it('writes a pin after groupInfo, in the record order, with -1 for pinned for good', () => {
    const groupId = makeGroupId('pins');
    const { dataMessage } = buildPartEnvelope({ ...times, part: 'pin', targetAuthor: friend, targetTimestamp: 7, groupId });
    expect(JSON.stringify(dataMessage)).toBe(
      JSON.stringify({
        timestamp: 1_000,
        message: null,
        expiresInSeconds: 0,
        isExpirationUpdate: false,
        viewOnce: false,
        groupInfo: { groupId, groupName: null, revision: 1, type: 'DELIVER' },
        pinMessage: { targetAuthor: friend, targetAuthorNumber: friend, targetAuthorUuid: uuidFor(friend), targetSentTimestamp: 7, pinDurationSeconds: -1 },
      }),
    );
  });

  it("names a poll vote's author with the legacy author field first", () => {
    const uuid = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
    const { dataMessage } = buildPartEnvelope({ ...times, part: 'poll-vote', targetAuthor: uuid, targetTimestamp: 9, optionIndexes: [0, 2] });
    expect(dataMessage?.pollVote).toEqual({ author: uuid, authorNumber: null, authorUuid: uuid, targetSentTimestamp: 9, optionIndexes: [0, 2], voteCount: 1 });
  });

  it('writes blank contact name parts as null and leaves empty lists out', () => {
    const { dataMessage } = buildPartEnvelope({ ...times, part: 'contacts', contacts: [{ name: { given: 'Ada', family: ' ' } }] });
    expect(dataMessage?.contacts).toEqual([
      { name: { nickname: null, given: 'Ada', family: null, prefix: null, suffix: null, middle: null }, organization: null },
    ]);
  });

  it('writes a remote delete alone, and a payment with its note and receipt', () => {
    expect(buildPartEnvelope({ ...times, part: 'remote-delete', targetTimestamp: 3 }).dataMessage?.remoteDelete).toEqual({ timestamp: 3 });
    expect(buildPartEnvelope({ ...times, part: 'payment' }).dataMessage?.payment).toEqual({ note: null, receipt: '' });
  });
});
