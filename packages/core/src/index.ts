// @tether/core: the transport-agnostic resilience machinery. Pure pieces (backoff, ring buffer,
// link reducer) and the shells that run them with an injected Clock (reconnect loop, send gate,
// outbox, channel). No runtime dependencies, no node:* imports.
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
export {
  AbortedError,
  ClosedError,
  ConflictError,
  ConnectTimeoutError,
  HeartbeatTimeoutError,
  OutboxFullError,
  TetherError,
  TransportError,
} from './errors.js';
export { noopLogger } from './logger.js';
export type { LogFn, Logger } from './logger.js';
export { Watchable } from './watchable.js';
export type { StreamOptions } from './watchable.js';
export { initialLinkState, transition } from './connection-machine.js';
export type { LinkEffect, LinkEvent, LinkMachineConfig, LinkState, LinkStateKind, Transition } from './connection-machine.js';
export { Heartbeat } from './heartbeat.js';
export type { HeartbeatOptions, HeartbeatPort } from './heartbeat.js';
export { Connection, CONNECTION_DEFAULTS } from './connection.js';
export type { ConnectionOptions, LinkChange } from './connection.js';
export { SendGate, SEND_GATE_DEFAULTS } from './send-gate.js';
export type { GateChange, GateReason, GateState, PauseDetails, SendGateOptions } from './send-gate.js';
export { MemoryOutboxStore } from './outbox-store.js';
export type { MemoryOutboxStoreOptions, MessageState, OutboxCounts, OutboxRecord, OutboxStore, RecordPatch } from './outbox-store.js';
export { Outbox, OUTBOX_DEFAULTS } from './outbox.js';
export type { OutboxOptions, SendOutcomeEvent, UnknownPolicy } from './outbox.js';
export { Pacer } from './pacer.js';
export type { PacingOptions } from './pacer.js';
export { Channel } from './channel.js';
export type { ChannelOptions, ChannelStatus } from './channel.js';
export type { ConnectOptions, Link, LinkClosed, RecipientFailure, SendOptions, SendOutcome, SendOutcomeKind, Transport } from './transport.js';
