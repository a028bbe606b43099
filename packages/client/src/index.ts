// @tether/client: a typed client for tetherd's control API, for bots, services and the `tether` CLI.
// Calls return the API's shapes; errors are branded classes; event streams resume by themselves.
export { createClient, TetherClient } from './client.js';
export type { EventsOptions, MessageQuery, SendOptions } from './client.js';
export type { CallOptions } from './abort.js';
export { CLIENT_DEFAULTS } from './options.js';
export type { ClientOptions, SocketOptions, TcpOptions } from './options.js';
export { ApiError, ClosedError, ProtocolError, UnreachableError } from './errors.js';
export { AbortedError, TetherError } from '@tether/core';
export type { EventSubscription, SubscribeOptions } from './event-subscription.js';
export type { EventCursor, EventOf, IncomingEvent, TetherEvent } from './events.js';
export type { SendResult, SentMessage } from './sent-message.js';
export { isTerminal } from './message-watcher.js';
export { replyRecipients } from './reply.js';
export { defaultSocketPath, EVENT_NAMES, GATE_REASONS, LINK_STATES, MESSAGE_STATES, TERMINAL_STATES } from '@tether/daemon/protocol';
export type {
  ApiError as ApiErrorBody,
  AttachmentInput,
  ErrorCode,
  EventName,
  GateEvent,
  GateReason,
  LeaderInfo,
  LinkStateKind,
  Message,
  MessageState,
  ReceiveGuarantee,
  ReceiveMode,
  Role,
  SendRequest,
  StateEvent,
  Status,
} from '@tether/daemon/protocol';
