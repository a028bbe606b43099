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

export interface DataMessage {
  timestamp: number;
  message: string | null;
  expiresInSeconds: number;
  isExpirationUpdate: boolean;
  viewOnce: boolean;
  reaction?: Reaction;
  quote?: unknown;
  mentions?: unknown[];
  previews?: unknown[];
  attachments?: Attachment[];
  sticker?: unknown;
  remoteDelete?: { timestamp: number };
  textStyles?: unknown[];
  groupInfo?: GroupInfo;
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
