// Both backends keep core's transport contract v2, natively (no adapter), against the emulator
// over real sockets: receipts on both, late answers on JSON-RPC (a REST answer dies with the
// request our deadline aborted).
import { transportContractV2, type TransportHarnessV2 } from '@tether/core/testing';
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

function harness(backend: Backend): () => Promise<TransportHarnessV2<OutgoingMessage, IncomingEvent>> {
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
      deliverReceipt: async (type, backendIds) =>
        void emulator.injectReceipt({ from: FRIEND, timestamps: backendIds.map(Number), kind: type === 'delivered' ? 'delivery' : 'read' }),
      ...(backend === 'rest' ? {} : { answerHungSends: async () => void emulator.answerHungSends() }),
      close: async () => {
        closed.abort();
        if (transport.kind === 'signal-rest') transport.dispose();
        await emulator.close();
      },
    };
  };
}

for (const backend of ['rest', 'jsonrpc-tcp', 'jsonrpc-unix'] as const) {
  describe(`transport contract v2: ${backend}`, () => {
    for (const check of transportContractV2(harness(backend), { receipts: true, lateOutcomes: backend !== 'rest' })) it(check.name, check.run);
  });
}
