// Issue 10, item 7: the newer data-message parts reach consumers typed, never as a `message`
// without text (S:…/json/JsonDataMessage.java and the part records at c26e063).
import type { Emulator, InjectPartOptions } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { SignalChannel } from '../src/index.js';
import { ACCOUNT, channelOn, collector, FRIEND, type BackendName } from './helpers.js';

let running: { emulator: Emulator; signal: SignalChannel } | undefined;

afterEach(async () => {
  await running?.signal.close();
  await running?.emulator.close();
  running = undefined;
});

const parts: [InjectPartOptions, Record<string, unknown>][] = [
  [{ part: 'remote-delete', targetTimestamp: 11 }, { what: 'remote-delete', targetSentTimestamp: 11 }],
  [{ part: 'admin-delete', targetAuthor: FRIEND, targetTimestamp: 12 }, { what: 'admin-delete', targetAuthor: { number: FRIEND }, targetSentTimestamp: 12 }],
  [{ part: 'pin', targetAuthor: ACCOUNT, targetTimestamp: 13, durationSeconds: 600 }, { what: 'pin', targetSentTimestamp: 13, pinDurationSeconds: 600 }],
  [{ part: 'unpin', targetAuthor: ACCOUNT, targetTimestamp: 13 }, { what: 'unpin', targetAuthor: { number: ACCOUNT } }],
  [{ part: 'poll-create', question: 'Lunch?', options: ['pizza', 'soup'] }, { what: 'poll-create', question: 'Lunch?', options: ['pizza', 'soup'], allowMultiple: false }],
  [{ part: 'poll-vote', targetAuthor: FRIEND, targetTimestamp: 14, optionIndexes: [1] }, { what: 'poll-vote', optionIndexes: [1], voteCount: 1 }],
  [{ part: 'poll-terminate', targetTimestamp: 14 }, { what: 'poll-terminate', targetSentTimestamp: 14 }],
  [{ part: 'payment', note: 'thanks' }, { what: 'payment', note: 'thanks' }],
  [{ part: 'contacts', contacts: [{ name: { given: 'Ada' }, phones: [{ value: '+4915100000003' }] }] }, { what: 'contacts', contacts: [{ name: 'Ada', phones: ['+4915100000003'] }] }],
];

describe.each(['rest', 'jsonrpc'] as const)('over %s', (backend: BackendName) => {
  it('gives each part its own what, with its fields', async () => {
    const incoming = collector();
    running = await channelOn(backend, (event) => incoming.push(event));
    for (const [part] of parts) running.emulator.injectPart({ from: FRIEND, ...part });
    const events = await incoming.count(parts.length);
    for (const [index, [, expected]] of parts.entries()) expect(events[index]).toMatchObject({ kind: 'other', group: null, ...expected });
    expect(events.some((event) => event.kind === 'message')).toBe(false);
  });
});
