import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.js';

describe('SseParser', () => {
  it('reads id, event and data, and skips comments', () => {
    const parser = new SseParser();
    expect(parser.push(': tether events\n\nid: 7\nevent: state\ndata: {"to":"connected"}\n\n')).toEqual([{ id: '7', event: 'state', data: '{"to":"connected"}' }]);
  });

  it('gives the same events whatever the chunk boundaries, including inside CRLF', () => {
    const text = 'id: 1\r\nevent: incoming\r\ndata: {"text":"héllo"}\r\n\r\nid: 2\nevent: message\ndata: a\ndata: b\n\n';
    const whole = new SseParser().push(text);
    for (let split = 1; split < text.length; split++) {
      const parser = new SseParser();
      expect([...parser.push(text.slice(0, split)), ...parser.push(text.slice(split))]).toEqual(whole);
    }
    expect(whole).toEqual([
      { id: '1', event: 'incoming', data: '{"text":"héllo"}' },
      { id: '2', event: 'message', data: 'a\nb' },
    ]);
  });

  it('keeps the last id for events without one, defaults the name to message, ignores empty blocks', () => {
    const parser = new SseParser();
    expect(parser.push('id: 3\n\ndata: x\n\nevent\ndata\n\n')).toEqual([
      { id: '3', event: 'message', data: 'x' },
      { id: '3', event: 'message', data: '' },
    ]);
  });

  it('waits for the end of a line and of an event', () => {
    const parser = new SseParser();
    expect(parser.push('id: 5\nevent: gate\ndata: {"sta')).toEqual([]);
    expect(parser.push('te":"open"}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ id: '5', event: 'gate', data: '{"state":"open"}' }]);
  });
});

describe('SseParser.lastEventId', () => {
  it('follows ids of dispatched blocks, even without data', () => {
    const parser = new SseParser();
    expect(parser.lastEventId).toBeUndefined();
    expect(parser.push('id: 40\n\n')).toEqual([]);
    expect(parser.lastEventId).toBe('40');
    parser.push('id: 41\nevent: state\ndata: {}\n');
    expect(parser.lastEventId).toBe('40');
    parser.push('\n');
    expect(parser.lastEventId).toBe('41');
  });
});
