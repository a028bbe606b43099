// @tether/signal-transport: the Signal adapter for @tether/core. Two backends behind one
// Transport v2 — signal-cli-rest-api (json-rpc mode) and signal-cli's JSON-RPC daemon — plus the
// pure wire layer (envelopes → typed events, errors → send outcomes, recipients, masking).
export { createSignalTransport, backoffFor, parseSignalUrl } from './create.js';
export type { SignalEndpoint, SignalTransport, SignalTransportOptions } from './create.js';
export { createSignalChannel, SIGNAL_CHANNEL_DEFAULTS } from './signal-channel.js';
export type { SignalChannel, SignalChannelOptions } from './signal-channel.js';
export { RestTransport } from './rest-transport.js';
export type { BackendInfo, RestTransportOptions } from './rest-transport.js';
export type { ProbeResult } from './readiness-probes.js';
export { JsonRpcTransport } from './jsonrpc-transport.js';
export type { JsonRpcTransportOptions, ReceiveMode } from './jsonrpc-transport.js';
export type { CallResult, JsonRpcEndpoint } from './jsonrpc-socket.js';
export type { HttpResult } from './http-request.js';
export { LossWindows } from './loss-windows.js';
export type { LossWindow, LossWindowOptions } from './loss-windows.js';
export type { FrameCounters } from './frame-counters.js';
/** Bytes as base64 chunk by chunk (what a streamed send writes; for a store that writes a blob out again). */
export { base64Chunks } from './wire/blob-template.js';
export * from './wire/index.js';
