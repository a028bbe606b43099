// @tether/core/testing: what tests of anything built on core need — a fake clock, a scriptable
// fake transport, and the transport contract suite.
export { FakeClock, flushPromises } from './fake-clock.js';
export { FakeLink, FakeTransport } from './fake-transport.js';
export type { FakeTransportOptions } from './fake-transport.js';
export { transportContract } from './contract.js';
export { outboxStoreContract } from './store-contract.js';
export type { ContractCheck, ContractOptions, TransportHarness } from './contract.js';
