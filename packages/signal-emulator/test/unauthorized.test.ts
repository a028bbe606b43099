// A de-authorised account (libsignal-service's DefaultErrorMapper: 401/403 → "[401] Authorization
// failed!"; S:…/commands/SendCommand.java:265-273 and SignalJsonRpcCommandHandler.java:267-271 at
// c26e063; R:src/client/jsonrpc2.go:172-193): signal-cli fails the whole send, -32603 on JSON-RPC,
// a 400 with the same text through the REST server, and nothing reaches Signal.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.js';
import { admin, post } from './helpers/http.js';
import { JsonRpcClient } from './helpers/json-rpc-client.js';

const account = '+4915112345678';
const friend = '+4915100000001';
const text = (status: number) => `Failed to send message: [${status}] Authorization failed! (AuthorizationFailedException) (UnexpectedErrorException)`;
let emulator: Emulator;

afterEach(() => emulator.close());

describe('deauthorize', () => {
  it('fails every REST send with the authorization text until reauthorized', async () => {
    emulator = await startEmulator({ account });
    const base = emulator.restUrl ?? '';
    const send = { number: account, recipients: [friend], message: 'hello' };
    emulator.deauthorize();
    expect(await post(`${base}/v2/send`, send)).toMatchObject({ status: 400, json: { error: text(401) } });
    expect(await post(`${base}/v2/send`, send)).toMatchObject({ status: 400, json: { error: text(401) } });
    await admin(base, '/faults/deauthorize', { status: 403 });
    expect(await post(`${base}/v2/send`, send)).toMatchObject({ status: 400, json: { error: text(403) } });
    expect(emulator.sent()).toEqual([]);
    await admin(base, '/faults/reauthorize', {});
    expect((await post(`${base}/v2/send`, send)).status).toBe(201);
    await expect(admin(base, '/faults/deauthorize', { status: 500 })).rejects.toThrow(/401 or 403/);
  });

  it('answers -32603 on JSON-RPC, for the de-authorised account only', async () => {
    emulator = await startEmulator({ accounts: [account, '+4915100000002'], rest: false, jsonRpc: { receiveMode: 'manual' } });
    const client = await JsonRpcClient.connect(emulator.jsonRpcUrl ?? '');
    emulator.deauthorize({ status: 403, account });
    expect((await client.request('send', { account, recipient: friend, message: 'x' })).error).toEqual({ code: -32603, message: text(403), data: null });
    expect((await client.request('send', { account: '+4915100000002', recipient: friend, message: 'x' })).result).toBeDefined();
    emulator.clearFaults();
    expect((await client.request('send', { account, recipient: friend, message: 'x' })).result).toBeDefined();
    expect(emulator.sent().map((record) => record.account)).toEqual(['+4915100000002', account]);
    await client.close();
  });
});
