// signal-cli run for one account (`signal-cli -a NUMBER daemon`) does not take `account` out of the
// params (S:…/jsonrpc/SignalJsonRpcCommandHandler.java:101-104 at c26e063), so `receive`'s strict
// ReceiveParams refuse it. The emulator serves only the multi-account form, so this is a few lines
// of a daemon written here: Tether probes again without the account and still finds manual mode.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSignalTransport } from '../src/index.js';
import { ACCOUNT } from './helpers.js';

let server: net.Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
});

/** Answers `version`, `subscribeReceive` and `receive` as a manual single-account daemon would. */
function singleAccountDaemon(): Promise<string> {
  server = net.createServer((socket) => {
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const request = JSON.parse(line) as { id: string; method: string; params?: Record<string, unknown> };
        const answer = (body: object) => socket.write(`${JSON.stringify({ jsonrpc: '2.0', ...body, id: request.id })}\n`);
        if (request.method === 'version') answer({ result: { version: '0.14.7' } });
        else if (request.method === 'subscribeReceive') answer({ result: 3 });
        else if (request.method === 'receive' && request.params && 'account' in request.params) {
          answer({ error: { code: -32600, message: 'Unrecognized field "account" (class org.asamk.signal.commands.ReceiveCommand$ReceiveParams), not marked as ignorable', data: null } });
        } else if (request.method === 'receive') answer({ result: [] });
      }
    });
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => server!.listen(0, '127.0.0.1', () => resolve(`tcp://127.0.0.1:${(server!.address() as net.AddressInfo).port}`)));
}

describe('a single-account signal-cli daemon', () => {
  it('is found to run in manual mode although it refuses the account parameter on receive', async () => {
    const transport = createSignalTransport({ url: await singleAccountDaemon(), account: ACCOUNT });
    const link = await transport.connect({ signal: AbortSignal.timeout(5_000), onIncoming: () => undefined });
    expect(transport.info).toMatchObject({ receive: 'lossless', receiveMode: 'manual', version: '0.14.7' });
    link.close();
    await link.closed;
  });
});
