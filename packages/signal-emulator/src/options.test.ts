import { describe, expect, it } from 'vitest';
import { emulatorDefaults, resolveOptions } from './options.js';

const account = '+4915112345678';

describe('resolveOptions', () => {
  it('enables REST on a random port and leaves JSON-RPC off by default', () => {
    expect(resolveOptions({ account })).toMatchObject({
      restPort: 0,
      jsonRpc: undefined,
      restPingIntervalMs: emulatorDefaults.restPingIntervalMs,
      sendResponseShape: '0.100',
    });
  });

  it('gives JSON-RPC a TCP listener when neither TCP nor Unix was named', () => {
    expect(resolveOptions({ account, rest: false, jsonRpc: {} })).toMatchObject({
      restPort: undefined,
      jsonRpc: { tcpPort: 0, unixPath: undefined, receiveMode: 'on-start' },
    });
    expect(resolveOptions({ account, jsonRpc: { unix: '/tmp/s' } }).jsonRpc).toMatchObject({ tcpPort: undefined, unixPath: '/tmp/s' });
  });

  it.each([
    [{ account: '015112345678' }],
    [{ account, rest: { port: 70_000 } }],
    [{ account, restPingIntervalMs: 0 }],
    [{ account, jsonRpc: { receiveMode: 'eventually' as 'manual' } }],
  ])('rejects %j', (options) => {
    expect(() => resolveOptions(options)).toThrow();
  });
});
