// The contract harness for WsChatTransport: a fresh server per check, and the server's faults
// behind the harness methods the v2 suite calls. `makeTransport` lets the mutation test put a
// deliberately broken variant in the transport's place.
import type { TransportV2 } from '@tether/core';
import type { TransportHarnessV2, TransportContractV2Options } from '@tether/core/testing';
import type { ChatEvent, ChatMessage } from '../src/index.js';
import { WsChatTransport } from '../src/index.js';
import { ChatServer } from './chat-server.js';

export const TOKEN = 'a-long-enough-test-token';

/** The features this transport has, declared to the suite. */
export const FEATURES: TransportContractV2Options = { lateOutcomes: true, receipts: true, refusal: true };

export function chatHarness(
  makeTransport: (good: WsChatTransport) => TransportV2<ChatMessage, ChatEvent> = (good) => good,
): () => Promise<TransportHarnessV2<ChatMessage, ChatEvent>> {
  return async () => {
    const server = await ChatServer.start({ token: TOKEN });
    return {
      transport: makeTransport(new WsChatTransport({ url: server.url, token: TOKEN })),
      message: (n) => ({ text: `contract ${n}` }),
      deliverIncoming: async () => server.deliver('hello'),
      dropLinks: async () => server.dropConnections(),
      hangNextSend: async () => server.hangNextPosts(1),
      loseNextSend: async () => server.loseNextPost(),
      answerHungSends: async () => server.answerHeld(),
      deliverReceipt: async (type, backendIds) => server.receipt(type, backendIds),
      refuseCredentials: async () => server.revoke(),
      close: () => server.close(),
    };
  };
}
