// The event-stream format as EventSource reads it: line endings, multi-line data, comments,
// persistent ids, a block that only moves the id, and events split anywhere across chunks.
import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.js';

describe('SseParser', () => {
  it('reads events with ids, names and JSON data, whatever the line endings', () => {
    const parser = new SseParser();
    const events = parser.push('id: 1\nevent: state\ndata: {"to":"connected"}\n\nid: 2\r\nevent: incoming\r\ndata: {"text":"hi"}\r\n\r\nid:3\rdata:plain\r\r');
    expect(events).toEqual([
      { id: '1', event: 'state', data: { to: 'connected' }, text: '{"to":"connected"}' },
      { id: '2', event: 'incoming', data: { text: 'hi' }, text: '{"text":"hi"}' },
      { id: '3', event: 'message', data: 'plain', text: 'plain' },
    ]);
  });

  it('joins data lines, skips comments and unknown fields, and keeps the id across events', () => {
    const parser = new SseParser();
    expect(parser.push(': a comment\nretry: 10\nfoo: bar\nid: 7\ndata: one\ndata:  two\n\ndata: three\n\n')).toEqual([
      { id: '7', event: 'message', data: 'one\n two', text: 'one\n two' },
      { id: '7', event: 'message', data: 'three', text: 'three' },
    ]);
  });

  it('moves the last id on a block without data, and dispatches nothing for it', () => {
    const parser = new SseParser();
    expect(parser.push(': tether events\nid: 41\n\n')).toEqual([]);
    expect(parser.lastEventId).toBe('41');
    expect(parser.push('id\n\n')).toEqual([]);
    expect(parser.lastEventId).toBe('');
  });

  it('reassembles events split anywhere, including between CR and LF', () => {
    const whole = 'id: 5\r\nevent: gate\r\ndata: {"state":"open"}\r\n\r\n';
    for (let cut = 0; cut <= whole.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(whole.slice(0, cut)), ...parser.push(whole.slice(cut))];
      expect(events, `cut at ${cut}`).toEqual([{ id: '5', event: 'gate', data: { state: 'open' }, text: '{"state":"open"}' }]);
    }
  });
});
