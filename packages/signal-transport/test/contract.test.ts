// Both backends keep core's transport contract, v1 as written and v2 through core's adapter (the
// way the Channel runs them), against the emulator over real sockets.
import { toTransportV2 } from '@tether/core';
import { transportContract, transportContractV2, type TransportHarness, type TransportHarnessV2 } from '@tether/core/testing';
import { startEmulator, type Emulator } from '@tether/signal-emulator';
import { tempDir } from '@tether/test-helpers';
import { describe, it } from 'vitest';
import { createSignalTransport, type IncomingEvent, type OutgoingMessage } from '../src/index.js';
import { ACCOUNT, FRIEND } from './helpers.js';

type Backend = 'rest' | 'jsonrpc-tcp' | 'jsonrpc-unix';

/**
 * The backend reads the next send, then every connection drops before it answers. The emulator
 * records a hung send with `deliver` as it reads it, which is the moment to drop.
 */
function loseNextSend(emulator: Emulator, closed: AbortSignal): void {
  emulator.hangNextSends(1, { deliver: true });
  const before = emulator.sent().length;
  void (async () => {
    for (let waited = 0; emulator.sent().length === before; waited += 5) {
      if (closed.aborted || waited > 10_000) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    emulator.dropConnections();
  })();
}

function harness(backend: Backend): () => Promise<TransportHarness<OutgoingMessage, IncomingEvent>> {
  return async () => {
    const unix = backend === 'jsonrpc-unix' ? tempDir('tether-contract-').join('signal.sock') : undefined;
    const emulator = await startEmulator({
      account: ACCOUNT,
      ...(backend === 'rest' ? {} : { jsonRpc: { ...(unix ? { unix } : { tcp: { port: 0 } }), receiveMode: 'manual' } }),
    });
    const url = backend === 'rest' ? emulator.restUrl! : emulator.jsonRpcUrl!;
    const transport = createSignalTransport({ url, account: ACCOUNT });
    const closed = new AbortController();
    return {
      transport,
      message: (n) => ({ recipients: [FRIEND], message: `contract ${n}` }),
      deliverIncoming: async () => void emulator.inject({ from: FRIEND, text: 'hello' }),
      dropLinks: async () => emulator.dropConnections(),
      hangNextSend: async () => emulator.hangNextSends(1),
      loseNextSend: async () => loseNextSend(emulator, closed.signal),
      close: async () => {
        closed.abort();
        if (transport.kind === 'signal-rest') transport.dispose();
        await emulator.close();
      },
    };
  };
}

function harnessV2(backend: Backend): () => Promise<TransportHarnessV2<OutgoingMessage, IncomingEvent>> {
  return async () => {
    const v1 = await harness(backend)();
    return { ...v1, transport: toTransportV2(v1.transport), loseNextSend: v1.loseNextSend! };
  };
}

for (const backend of ['rest', 'jsonrpc-tcp', 'jsonrpc-unix'] as const) {
  describe(`transport contract v1: ${backend}`, () => {
    for (const check of transportContract(harness(backend), { lossAfterWrite: true })) it(check.name, check.run);
  });
  describe(`transport contract v2 (adapted): ${backend}`, () => {
    for (const check of transportContractV2(harnessV2(backend))) it(check.name, check.run);
  });
}
