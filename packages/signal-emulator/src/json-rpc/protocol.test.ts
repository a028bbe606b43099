import { describe, expect, it } from 'vitest';
import { failure, parseLine, receiveNotification, success } from './protocol.js';

describe('parseLine', () => {
  it('parses a request, keeping whether it had an id', () => {
    expect(parseLine('{"jsonrpc":"2.0","method":"version","id":7}')).toEqual({
      kind: 'single',
      item: { kind: 'request', request: { method: 'version', params: undefined, id: 7, hasId: true } },
    });
    expect(parseLine('{"jsonrpc":"2.0","method":"version","params":null}')).toMatchObject({
      item: { request: { hasId: false, id: null, params: undefined } },
    });
  });

  it.each([
    ['', -32700, 'Empty input line'],
    ['   ', -32700, 'Empty input line'],
    ['[]', -32600, 'invalid request'],
    ['42', -32600, 'unexpected type: NUMBER'],
    ['{"method":"version","id":1}', -32600, 'only jsonrpc version 2.0 is supported'],
    ['{"jsonrpc":"2.0","id":1}', -32600, 'method field must be set'],
    ['{"jsonrpc":"2.0","method":"x","id":1,"extra":1}', -32600, 'Unrecognized field "extra"'],
    ['{"jsonrpc":"2.0","method":"x","params":"s","id":1}', -32600, 'ContainerNode'],
  ])('answers %j with %i', (line, code, message) => {
    const parsed = parseLine(line);
    const response = parsed.kind === 'error' ? parsed.response : parsed.kind === 'single' && parsed.item.kind === 'error' ? parsed.item.response : '';
    const error = (JSON.parse(response) as { error: { code: number; message: string; data: unknown } }).error;
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
    expect(error.data).toBeNull();
  });

  it('reports a parse error with id null', () => {
    const parsed = parseLine('{nope');
    expect(parsed.kind === 'error' && JSON.parse(parsed.response)).toMatchObject({ error: { code: -32700 }, id: null });
  });

  it('splits a batch and ignores responses sent by the client', () => {
    const parsed = parseLine('[{"jsonrpc":"2.0","method":"version","id":1},5]');
    expect(parsed.kind === 'batch' && parsed.items.map((item) => item.kind)).toEqual(['request', 'error']);
    expect(parseLine('{"jsonrpc":"2.0","result":{},"id":1}')).toEqual({ kind: 'ignore' });
  });
});

describe('responses', () => {
  it('writes the keys in signal-cli order with data always present', () => {
    expect(success(1, {})).toBe('{"jsonrpc":"2.0","result":{},"id":1}');
    expect(failure('a', { code: -1, message: 'm' })).toBe('{"jsonrpc":"2.0","error":{"code":-1,"message":"m","data":null},"id":"a"}');
    expect(receiveNotification({ account: '+1' })).toBe('{"jsonrpc":"2.0","method":"receive","params":{"account":"+1"}}');
  });
});
