// The pure wire layer of the Signal transport: recipient grammar, masking, envelope parsing,
// request builders, outcome classifiers and NDJSON framing. No sockets, timers or logging here.

export { parseAbout, classifyRestProbe } from './about.js';
export type { AboutResult } from './about.js';
export { classifyJsonRpcSend } from './classify-jsonrpc.js';
export type { JsonRpcSendResponse } from './classify-jsonrpc.js';
export { classifyRestSend } from './classify-rest.js';
export { classifyErrorText, cleanErrorText } from './classify-text.js';
export type { TextClass } from './classify-text.js';
export { groupIdForReply, rawGroupId } from './group-id.js';
export { dedupeKey, parseReceiveFrame, unwrapReceiveParams } from './incoming.js';
export type {
  Address,
  AttachmentInfo,
  EventCommon,
  EventSource,
  GroupRef,
  IncomingEvent,
  IncomingEventKind,
  Mention,
  MessageContent,
  OtherWhat,
  PartEvent,
  PartWhat,
  Quote,
  SharedContactInfo,
  ReceiveFrameResult,
} from './incoming-types.js';
export { encodeRequest, parseJsonRpcLine } from './jsonrpc.js';
export type {
  JsonRpcErrorObject,
  JsonRpcId,
  JsonRpcInvalid,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcResponse,
  JsonRpcSingle,
} from './jsonrpc.js';
export { LineDecoder, lineDecoderDefaults } from './line-decoder.js';
export type { DecodedLines, LineDecoderOptions } from './line-decoder.js';
export { maskPhoneNumber, maskPhoneNumbers } from './mask.js';
export { attachmentDataUri } from './attachment-uri.js';
export { jsonRpcSendParams, restSendBody } from './outgoing.js';
export type { BlobReader, BlobRef, OutgoingAttachment } from './attachment-uri.js';
export type { BuildResult, JsonRpcSendParams, OutgoingMention, OutgoingMessage, OutgoingQuote, RestMention, RestSendBody } from './outgoing.js';
export { parseStyledText } from './styled-text.js';
export type { StyledText, TextStyleName } from './styled-text.js';
export { parseRecipient, parseRecipients } from './recipients.js';
export type { IndividualRecipient, Recipient, RecipientError, RecipientTarget, RecipientsResult } from './recipients.js';
