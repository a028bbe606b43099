// The JSON shapes signal-cli emits for incoming messages (CONTRACT.md §B). Key order and nulls
// follow signal-cli's Java records: fields without NON_NULL are always present, possibly null.

export interface Attachment {
  contentType: string;
  filename: string | null;
  id: string | null;
  size: number | null;
  width: number | null;
  height: number | null;
  caption: string | null;
  uploadTimestamp: number | null;
}

export interface GroupInfo {
  /** Raw signal-cli group id (base64 of the group's bytes), not the REST `group.…` form. */
  groupId: string;
  groupName: string | null;
  revision: number;
  type: 'DELIVER' | 'UPDATE';
}

export interface Reaction {
  emoji: string;
  /** Deprecated legacy identifier: the number if known, else the UUID. */
  targetAuthor: string;
  targetAuthorNumber: string | null;
  targetAuthorUuid: string | null;
  targetSentTimestamp: number;
  isRemove: boolean;
}

/** A message another one points at, as JsonPinMessage, JsonAdminDelete and friends write it. */
export interface MessageTarget {
  /** Deprecated legacy identifier: the number if known, else the UUID. */
  targetAuthor: string;
  targetAuthorNumber: string | null;
  targetAuthorUuid: string | null;
  targetSentTimestamp: number;
}

export interface PollCreate {
  question: string | null;
  allowMultiple: boolean;
  options: string[];
}

export interface PollVote {
  /** Deprecated legacy identifier of the poll's author. */
  author: string;
  authorNumber: string | null;
  authorUuid: string | null;
  targetSentTimestamp: number;
  optionIndexes: number[];
  voteCount: number;
}

export interface SharedContact {
  name: { nickname: string | null; given: string | null; family: string | null; prefix: string | null; suffix: string | null; middle: string | null };
  phone?: { value: string; type: string; label: string | null }[];
  email?: { value: string; type: string; label: string | null }[];
  organization: string | null;
}

/** Key order as JsonDataMessage declares its components (S:…/json/JsonDataMessage.java:12-36). */
export interface DataMessage {
  timestamp: number;
  message: string | null;
  expiresInSeconds: number;
  isExpirationUpdate: boolean;
  viewOnce: boolean;
  reaction?: Reaction;
  quote?: unknown;
  /** JsonPayment: the note and the receipt's bytes in base64 (Jackson's byte[]). */
  payment?: { note: string | null; receipt: string };
  mentions?: unknown[];
  previews?: unknown[];
  attachments?: Attachment[];
  sticker?: unknown;
  remoteDelete?: { timestamp: number };
  contacts?: SharedContact[];
  pollCreate?: PollCreate;
  pollVote?: PollVote;
  pollTerminate?: { targetSentTimestamp: number };
  textStyles?: unknown[];
  groupInfo?: GroupInfo;
  storyContext?: unknown;
  /** `pinDurationSeconds` is -1 for "forever" (MessageEnvelope.Data.PinMessage.from). */
  pinMessage?: MessageTarget & { pinDurationSeconds: number };
  unpinMessage?: MessageTarget;
  adminDelete?: MessageTarget;
}

export interface ReceiptMessage {
  when: number;
  isDelivery: boolean;
  isRead: boolean;
  isViewed: boolean;
  /** The `envelope.timestamp`s of the account's own sent messages being acknowledged. */
  timestamps: number[];
}

export interface TypingMessage {
  action: 'STARTED' | 'STOPPED';
  timestamp: number;
  groupId?: string;
}

export interface Envelope {
  source: string | null;
  sourceNumber: string | null;
  sourceUuid: string | null;
  sourceName: string | null;
  sourceDevice: number | null;
  timestamp: number;
  serverReceivedTimestamp: number;
  serverDeliveredTimestamp: number;
  dataMessage?: DataMessage;
  editMessage?: { targetSentTimestamp: number; dataMessage: DataMessage };
  storyMessage?: unknown;
  syncMessage?: unknown;
  callMessage?: unknown;
  receiptMessage?: ReceiptMessage;
  typingMessage?: TypingMessage;
}

/** One `receive` notification's params: what a REST WebSocket frame carries verbatim. */
export interface ReceiveFrame {
  envelope?: Envelope;
  account: string;
  exception?: { message: string; type: string };
}
