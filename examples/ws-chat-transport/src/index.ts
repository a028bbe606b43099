// @tether/example-ws-chat-transport: a WebSocket chat transport on Transport v2, written as a
// third party would write one, with only @tether/core's published entry points.
export { WsChatTransport } from './transport.js';
export type { WsChatTransportOptions } from './transport.js';
export { ERROR_CODES, MAX_TEXT_LENGTH, encode, parseClientFrame, parseServerFrame } from './protocol.js';
export type { ChatEvent, ChatMessage, ClientFrame, ErrorCode, ServerFrame } from './protocol.js';
export { outcomeOf } from './outcomes.js';
