// The typed incoming events Tether spools and fans out, read from signal-cli envelopes
// (CONTRACT §B). Nulls stay nulls where signal-cli emits them; `raw` keeps the whole envelope.

import type { JsonObject } from './json-read.js';

export interface EventSource {
  readonly number: string | null;
  readonly uuid: string | null;
  readonly name: string | null;
  readonly device: number | null;
}

/** A person as signal-cli names them in quotes, reactions and sync messages. */
export interface Address {
  readonly number: string | null;
  readonly uuid: string | null;
}

export interface GroupRef {
  /** signal-cli's raw group id, as the envelope carries it. */
  readonly id: string;
  /** The REST API's `group.…` id: send replies here. */
  readonly restId: string;
  readonly name: string | null;
}

export interface AttachmentInfo {
  readonly contentType: string | null;
  readonly filename: string | null;
  /** The stored file's id (REST: `/v1/attachments/{id}`); null when it was not downloaded. */
  readonly id: string | null;
  readonly size: number | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly caption: string | null;
}

export interface Quote {
  /** The quoted message's timestamp. */
  readonly id: number;
  readonly author: Address;
  readonly text: string | null;
}

export interface Mention {
  readonly number: string | null;
  readonly uuid: string | null;
  /** In UTF-16 code units, as JavaScript strings count. */
  readonly start: number;
  readonly length: number;
}

/** What a data message carries: the body of `message`, `edit` and `sync-sent` events. */
export interface MessageContent {
  readonly text: string | null;
  readonly group: GroupRef | null;
  readonly attachments: readonly AttachmentInfo[];
  readonly quote: Quote | null;
  readonly mentions: readonly Mention[];
  readonly sticker: { readonly packId: string; readonly stickerId: number } | null;
  readonly expiresInSeconds: number;
  readonly viewOnce: boolean;
  readonly isExpirationUpdate: boolean;
}

export interface EventCommon {
  /** The receiving account. */
  readonly account: string;
  readonly source: EventSource;
  /** The sender's timestamp: the message's id in Signal. */
  readonly timestamp: number;
  readonly serverReceivedTimestamp: number | null;
  readonly serverDeliveredTimestamp: number | null;
  /** Set when signal-cli could not handle the envelope (e.g. an untrusted identity). */
  readonly exception?: { readonly message: string; readonly type: string };
  readonly raw: JsonObject;
}

/** A shared contact card, read from signal-cli's JsonSharedContact. */
export interface SharedContactInfo {
  /** The given and family name, else the nickname. */
  readonly name: string | null;
  readonly phones: readonly string[];
  readonly emails: readonly string[];
  readonly organization: string | null;
}

/**
 * A data-message part that is not a message (it carries no text): each with its own `what` and
 * the fields a consumer needs. The targets name the message they act on.
 */
export type PartEvent =
  /** The sender deleted one of their own messages. */
  | { readonly what: 'remote-delete'; readonly targetSentTimestamp: number }
  /** A group admin deleted someone's message. */
  | { readonly what: 'admin-delete'; readonly targetAuthor: Address; readonly targetSentTimestamp: number }
  /** `pinDurationSeconds` is null when pinned for good. */
  | { readonly what: 'pin'; readonly targetAuthor: Address; readonly targetSentTimestamp: number; readonly pinDurationSeconds: number | null }
  | { readonly what: 'unpin'; readonly targetAuthor: Address; readonly targetSentTimestamp: number }
  | { readonly what: 'poll-create'; readonly question: string | null; readonly options: readonly string[]; readonly allowMultiple: boolean }
  /** The poll is the message `targetSentTimestamp` of `targetAuthor`. */
  | {
      readonly what: 'poll-vote';
      readonly targetAuthor: Address;
      readonly targetSentTimestamp: number;
      readonly optionIndexes: readonly number[];
      readonly voteCount: number;
    }
  | { readonly what: 'poll-terminate'; readonly targetSentTimestamp: number }
  | { readonly what: 'payment'; readonly note: string | null }
  | { readonly what: 'contacts'; readonly contacts: readonly SharedContactInfo[] };

export type PartWhat = PartEvent['what'];

/**
 * What an `other` event held: a data-message part (typed, see PartEvent), a part Tether does not
 * type, an older typed part too malformed to read (then named after that part), `malformed` for a
 * newer part too malformed to read, or `none` (an envelope with no part, e.g. beside an exception).
 */
export type OtherWhat = PartWhat | 'reaction' | 'edit' | 'sync' | 'receipt' | 'typing' | 'story' | 'call' | 'malformed' | 'none';

export type IncomingEvent =
  | (EventCommon & MessageContent & { readonly kind: 'message' })
  | (EventCommon & MessageContent & { readonly kind: 'edit'; readonly targetSentTimestamp: number })
  | (EventCommon & {
      readonly kind: 'reaction';
      readonly emoji: string;
      readonly targetAuthor: Address;
      readonly targetSentTimestamp: number;
      readonly isRemove: boolean;
      readonly group: GroupRef | null;
    })
  | (EventCommon & {
      readonly kind: 'receipt';
      readonly receiptType: 'delivery' | 'read' | 'viewed';
      /** The timestamps of our own sent messages that this receipt confirms. */
      readonly timestamps: readonly number[];
      readonly when: number;
    })
  | (EventCommon & { readonly kind: 'typing'; readonly action: 'started' | 'stopped'; readonly group: GroupRef | null })
  | (EventCommon &
      MessageContent & {
        readonly kind: 'sync-sent';
        readonly destination: Address | null;
        /** Set when the message sent from another device was an edit of this earlier message. */
        readonly editTargetTimestamp: number | null;
      })
  | (EventCommon & { readonly kind: 'other'; readonly what: Exclude<OtherWhat, PartWhat> })
  /** A data-message part with no text; `group` is where it happened. */
  | (EventCommon & { readonly kind: 'other'; readonly group: GroupRef | null } & PartEvent);

export type IncomingEventKind = IncomingEvent['kind'];

export type ReceiveFrameResult =
  | { readonly ok: true; readonly event: IncomingEvent }
  /** A frame for another account of a multi-account backend: count it and drop it. */
  | { readonly ok: false; readonly reason: 'foreign-account'; readonly account: string }
  /** The REST API's `{"error": …}` frame, sent when a notification carried a JSON-RPC error. */
  | { readonly ok: false; readonly reason: 'error-frame'; readonly detail: string }
  | { readonly ok: false; readonly reason: 'malformed'; readonly detail: string };
