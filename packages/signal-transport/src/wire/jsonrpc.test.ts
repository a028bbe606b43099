import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRequest, parseJsonRpcLine, type JsonRpcMessage } from './jsonrpc.js';

describe('encodeRequest', () => {
  it('writes one line with params', () => {
    expect(encodeRequest(7, 'send', { account: '+4915200000001', message: 'a\nb' })).toBe(
      '{"jsonrpc":"2.0","method":"send","params":{"account":"+4915200000001","message":"a\\nb"},"id":7}\n',
    );
  });

  it('leaves params out when there are none', () => {
    expect(encodeRequest('s-1', 'subscribeReceive')).toBe('{"jsonrpc":"2.0","method":"subscribeReceive","id":"s-1"}\n');
  });

  it('always writes exactly one line that reads back as the request', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer()), fc.string(), fc.jsonValue(), (id, method, params) => {
        const line = encodeRequest(id, method, params);
        expect(line.indexOf('\n')).toBe(line.length - 1);
        expect(line).not.toContain('\r');
        expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0', method, id });
      }),
    );
  });
});

describe('parseJsonRpcLine', () => {
  const cases: [string, string, JsonRpcMessage][] = [
    ['a result', '{"jsonrpc":"2.0","result":{"timestamp":1},"id":7}', { kind: 'response', id: 7, result: { timestamp: 1 } }],
    ['an empty result', '{"jsonrpc":"2.0","result":{},"id":"a"}', { kind: 'response', id: 'a', result: {} }],
    ['a null result with a null error', '{"jsonrpc":"2.0","result":null,"error":null,"id":1}', { kind: 'response', id: 1, result: null }],
    [
      'an error with data',
      '{"jsonrpc":"2.0","error":{"code":-5,"message":"Failed","data":{"response":{"results":[]}}},"id":2}',
      { kind: 'response', id: 2, error: { code: -5, message: 'Failed', data: { response: { results: [] } } } },
    ],
    ['an error without data or message', '{"jsonrpc":"2.0","error":{"code":-32700},"id":null}', { kind: 'response', id: null, error: { code: -32700, message: '' } }],
    ['no jsonrpc key', '{"result":0,"id":3}', { kind: 'response', id: 3, result: 0 }],
    [
      'a receive notification',
      '{"jsonrpc":"2.0","method":"receive","params":{"envelope":{"timestamp":1},"account":"+4915200000001"}}',
      { kind: 'notification', method: 'receive', params: { envelope: { timestamp: 1 }, account: '+4915200000001' } },
    ],
    ['a notification with a null id', '{"jsonrpc":"2.0","method":"receive","id":null}', { kind: 'notification', method: 'receive', params: undefined }],
    [
      'a batch',
      '[{"jsonrpc":"2.0","result":1,"id":1},{"jsonrpc":"2.0","method":"receive","params":{}},7]',
      {
        kind: 'batch',
        items: [
          { kind: 'response', id: 1, result: 1 },
          { kind: 'notification', method: 'receive', params: {} },
          { kind: 'invalid', reason: 'not a JSON-RPC object' },
        ],
      },
    ],
    ['not JSON', '{"jsonrpc":', { kind: 'invalid', reason: 'not JSON' }],
    ['an empty batch', '[]', { kind: 'invalid', reason: 'an empty batch' }],
    ['a string', '"hello"', { kind: 'invalid', reason: 'not a JSON-RPC object' }],
    ['version 1', '{"jsonrpc":"1.0","result":1,"id":1}', { kind: 'invalid', reason: 'not JSON-RPC 2.0' }],
    ['a non-text method', '{"jsonrpc":"2.0","method":5}', { kind: 'invalid', reason: 'a method that is not a string' }],
    ['a request from the server', '{"jsonrpc":"2.0","method":"ping","id":1}', { kind: 'invalid', reason: 'a request from the server' }],
    ['a bad id', '{"jsonrpc":"2.0","result":1,"id":{}}', { kind: 'invalid', reason: 'a response without a valid id' }],
    ['a missing id', '{"jsonrpc":"2.0","result":1}', { kind: 'invalid', reason: 'a response without a valid id' }],
    ['both', '{"jsonrpc":"2.0","result":1,"error":{"code":1,"message":"x"},"id":1}', { kind: 'invalid', reason: 'a response with both result and error' }],
    ['an error without code', '{"jsonrpc":"2.0","error":{"message":"x"},"id":1}', { kind: 'invalid', reason: 'an error without an integer code' }],
    ['an error that is text', '{"jsonrpc":"2.0","error":"x","id":1}', { kind: 'invalid', reason: 'an error without an integer code' }],
    ['a fractional code', '{"jsonrpc":"2.0","error":{"code":1.5,"message":"x"},"id":1}', { kind: 'invalid', reason: 'an error without an integer code' }],
    ['neither', '{"jsonrpc":"2.0","id":1}', { kind: 'invalid', reason: 'neither a response nor a notification' }],
  ];
  it.each(cases)('%s', (_name, line, message) => {
    expect(parseJsonRpcLine(line)).toEqual(message);
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue().map((value) => JSON.stringify(value))), (line) => {
        expect(['response', 'notification', 'batch', 'invalid']).toContain(parseJsonRpcLine(line).kind);
      }),
    );
  });
});
