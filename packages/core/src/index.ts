// @tether/core: the transport-agnostic resilience machinery. Pure pieces (backoff, ring buffer,
// link reducer, outcome plan) and the shells that run them with an injected Clock (reconnect
// loop, send gate, outbox, channel). No runtime dependencies, no node:* imports.
export {
  backoffDelay,
  backoffPolicy,
  cappedDelay,
  clampTimerMs,
  DEFAULT_BACKOFF,
  LOSS_PRONE_BACKOFF,
  MAX_TIMER_MS,
} from './backoff.js';
export type { BackoffPolicy, Jitter } from './backoff.js';
export { RingBuffer } from './ring-buffer.js';
export type { OverflowPolicy, PushResult } from './ring-buffer.js';
export { sleep, systemClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { AbortedError, ConflictError, ConnectTimeoutError, OutboxFullError, TetherError, TransportError } from './errors.js';
export { disposer, Emitter } from './event.js';
export type { Disposer, EmitterOptions, Event } from './event.js';
export { noopLogger } from './logger.js';
export type { LogFn, Logger } from './logger.js';
export {
  GATE_REASONS,
  isLinkUp,
  LINK_STATES,
  MESSAGE_STATES,
  RECEIPT_TYPES,
  SEND_OUTCOME_KINDS,
  UNKNOWN_REASONS,
  UP_LINK_STATES,
} from './vocabulary.js';
export type { GateReason, LinkStateKind, MessageState, ReceiptType, SendOutcomeKind, UnknownReason } from './vocabulary.js';
export { Watchable } from './watchable.js';
export type { StreamOptions } from './watchable.js';
export { initialLinkState, transition } from './connection-machine.js';
export type { LinkEffect, LinkEvent, LinkMachineConfig, LinkState, Transition } from './connection-machine.js';
export { Heartbeat } from './heartbeat.js';
export type { HeartbeatOptions, HeartbeatPort } from './heartbeat.js';
export { Connection, CONNECTION_DEFAULTS } from './connection.js';
export type { ConnectionOptions, LinkChange } from './connection.js';
export { SendGate, SEND_GATE_DEFAULTS } from './send-gate.js';
export type { GateChange, GateState, PauseDetails, SendGateOptions } from './send-gate.js';
export { MemoryOutboxStore } from './outbox-store.js';
export { patchRecord } from './outbox-store.js';
export type { MaybePromise, MemoryOutboxStoreOptions, OutboxCounts, OutboxRecord, OutboxStore, RecordChange, RecordPatch } from './outbox-store.js';
export { planOutcome, planUnknown } from './outcome-plan.js';
export type { OutcomePlan, PlanPolicy, UnknownPolicy } from './outcome-plan.js';
export { Outbox, OUTBOX_DEFAULTS } from './outbox.js';
export type { OutboxOptions, SendOutcomeEvent } from './outbox.js';
export { Pacer } from './pacer.js';
export type { PacingOptions } from './pacer.js';
export { Channel } from './channel.js';
export type { ChannelGateOptions, ChannelOptions, ChannelStatus } from './channel.js';
export type {
  ConnectOptions,
  Link,
  LinkClosed,
  Receipt,
  RecipientFailure,
  SendOptions,
  SendOptionsV1,
  SendOutcome,
  SendOutcomeV1,
  Transport,
  TransportV1,
} from './transport.js';
export type { SendOptionsV2, SendOutcomeV2, TransportV2 } from './transport-v2.js';
export { fromV1, toTransportV2 } from './transport-adapter.js';
export type { AnyTransport } from './transport-adapter.js';
