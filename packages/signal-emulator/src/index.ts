// @tether/signal-emulator: a loopback, fault-injectable stand-in for signal-cli-rest-api
// (MODE=json-rpc) and signal-cli's JSON-RPC daemon. See README.md.
export { startEmulator } from './emulator.js';
export { emulatorDefaults } from './options.js';
export {
  buildMessageEnvelope,
  buildReactionEnvelope,
  buildReceiptEnvelope,
  buildTypingEnvelope,
  defaultSender,
} from './envelope.js';
export { buildPartEnvelope, partNames } from './parts.js';
export { makeGroupId } from './groups.js';
export { maskNumber, restGroupId, uuidFor } from './identity.js';
export { signalCliVersion } from './json-rpc/methods.js';

export type { EmulatorOptions, ReceiveMode, SendResponseShape } from './options.js';
export type {
  DeauthorizeOptions,
  DropReason,
  DroppedRecord,
  Emulator,
  EmulatorFaults,
  EmulatorStats,
  InjectOptions,
  InjectPartOptions,
  InjectReactionOptions,
  InjectReceiptOptions,
  InjectTypingOptions,
} from './emulator-types.js';
export type {
  AttachmentInput,
  EnvelopeTimes,
  MessageInput,
  ReactionInput,
  ReceiptInput,
  SenderOptions,
  TypingInput,
} from './envelope.js';
export type { PartBody, PartInput, PartName, SharedContactInput } from './parts.js';
export type {
  Attachment,
  DataMessage,
  Envelope,
  GroupInfo,
  MessageTarget,
  PollCreate,
  PollVote,
  SharedContact,
  Reaction,
  ReceiptMessage,
  ReceiveFrame,
  TypingMessage,
} from './envelope-types.js';
export type { AttachmentSummary } from './attachments.js';
export type { BackendKind, SentRecord } from './sent-log.js';
export type { FailNextOptions, HangOptions, RateLimitOptions } from './send-faults.js';
export type { SignalCliState, SubmittedChallenge, UnauthorizedStatus } from './signal-cli.js';
export type { JsonRpcErrorObject } from './signal-cli-error.js';
export type { GroupDefinition } from './groups.js';
export type { RecipientAddress, SendMessageResult } from './recipients.js';
