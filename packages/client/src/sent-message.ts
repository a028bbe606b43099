// What `send` gives back: the committed Message, plus `settled()` to wait for its terminal state.
// `settled` is not enumerable, so the object still prints and serialises as the API's Message.
import type { Message } from '@tether/daemon/protocol';
import type { CallOptions } from './abort.js';

export type SentMessage = Message & {
  /** Resolves with the message once it is sent, delivered, read, failed or unknown. */
  settled(options?: CallOptions): Promise<Message>;
};

/** The send's promise, with `settled()` on it too: `await client.send(request).settled()`. */
export type SendResult = Promise<SentMessage> & { settled(options?: CallOptions): Promise<Message> };

export function sentMessage(message: Message, wait: (options?: CallOptions) => Promise<Message>): SentMessage {
  return Object.defineProperty({ ...message }, 'settled', { value: wait, enumerable: false, writable: false }) as SentMessage;
}
