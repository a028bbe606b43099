// The README's runnable contract-suite example, verbatim, so the documentation cannot rot.
import { TransportError } from '../index.js';
import { FakeTransport, transportContractV2, type TransportHarnessV2 } from './index.js';
import { describe, it } from 'vitest';

const makeHarness = async (): Promise<TransportHarnessV2<string, string>> => {
  const transport = new FakeTransport<string, string>(); // your transport, and your backend's controls
  return {
    transport,
    message: (n) => `message ${n}`,
    deliverIncoming: async () => transport.emit('hello'),
    dropLinks: async () => transport.drop(),
    hangNextSend: async () => transport.queueOutcomes('hang'), // read, never answered
    loseNextSend: async () => transport.queueOutcomes('lose'), // read, then the connection drops
    answerHungSends: async () => transport.answerAllLate(), // declares: late answers are reported
    deliverReceipt: async (type, backendIds) => transport.receipt(type, backendIds), // declares: receipts
    refuseCredentials: async () => transport.failNextConnect(new TransportError('401', { retriable: false })),
    close: async () => transport.link?.close(),
  };
};

describe('my transport keeps the v2 contract', () => {
  const checks = transportContractV2(makeHarness, { lateOutcomes: true, receipts: true, refusal: true, waitMs: 2_000 });
  for (const check of checks) it(check.name, check.run);
});
