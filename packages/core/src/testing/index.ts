// @tether/core/testing: what tests of anything built on core need — a fake clock, a scriptable
// fake transport, the transport contract suites (v1 and v2), the outbox store contract, and an
// async wrapper that makes any store answer on later ticks.
export { FakeClock, flushPromises } from './fake-clock.js';
export { FakeLink, FakeTransport } from './fake-transport.js';
export type { FakeOutcomeScript, FakeTransportOptions } from './fake-transport.js';
export { transportContract, transportContractV2 } from './contract.js';
export type {
  TransportContractOptions,
  TransportContractV1Options,
  TransportContractV2Options,
  TransportHarness,
  TransportHarnessV2,
} from './contract.js';
export { ContractViolation } from './contract-kit.js';
export type { ContractCheck, ContractOptions } from './contract-kit.js';
export type { HarnessCore } from './contract-subject.js';
export { outboxStoreContract } from './store-contract.js';
export { deferredStore } from './deferred-store.js';
export type { DeferredStoreOptions } from './deferred-store.js';
