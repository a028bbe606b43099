// Both backends keep core's transport contract, against the emulator over real sockets.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { transportContract, type TransportHarness } from '@tether/core/testing';
import { startEmulator } from '@tether/signal-emulator';
import { describe, it } from 'vitest';
import { createSignalTransport, type IncomingEvent, type OutgoingMessage } from '../src/index.js';
import { ACCOUNT, FRIEND } from './helpers.js';

type Backend = 'rest' | 'jsonrpc-tcp' | 'jsonrpc-unix';

function harness(backend: Backend): () => Promise<TransportHarness<OutgoingMessage, IncomingEvent>> {
  return async () => {
    const unix = backend === 'jsonrpc-unix' ? path.join(mkdtempSync(path.join(tmpdir(), 'tether-contract-')), 'signal.sock') : undefined;
    const emulator = await startEmulator({
      account: ACCOUNT,
      ...(backend === 'rest' ? {} : { jsonRpc: { ...(unix ? { unix } : { tcp: { port: 0 } }), receiveMode: 'manual' } }),
    });
    const url = backend === 'rest' ? emulator.restUrl! : emulator.jsonRpcUrl!;
    const transport = createSignalTransport({ url, account: ACCOUNT });
    return {
      transport,
      message: (n) => ({ recipients: [FRIEND], message: `contract ${n}` }),
      deliverIncoming: async () => void emulator.inject({ from: FRIEND, text: 'hello' }),
      dropLinks: async () => emulator.dropConnections(),
      hangNextSend: async () => emulator.hangNextSends(1),
      close: async () => {
        if (transport.kind === 'signal-rest') transport.dispose();
        await emulator.close();
      },
    };
  };
}

for (const backend of ['rest', 'jsonrpc-tcp', 'jsonrpc-unix'] as const) {
  describe(`transport contract: ${backend}`, () => {
    for (const check of transportContract(harness(backend))) it(check.name, check.run);
  });
}
