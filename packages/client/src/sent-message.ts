// What `send` gives back: the committed Message, plus `settled()` to wait for its terminal state.
// `settled` is inherited, not an own field, so the object still serialises as the API's Message.
import type { Message } from '@tether/daemon/protocol';
import type { CallOptions } from './abort.js';

export type SentMessage = Message & {
  /** Resolves with the message once it is sent, delivered, read, failed or unknown. */
  settled(options?: CallOptions): Promise<Message>;
};

/** The send's promise, with `settled()` on it too: `await client.send(request).settled()`. */
export type SendResult = Promise<SentMessage> & { settled(options?: CallOptions): Promise<Message> };

/**
 * A factory per client: `settled` lives on a shared prototype, so each message is a plain copy of
 * the API's fields (cheap to make, and what JSON.stringify and the spread operator see).
 */
export function sentMessages(waitFor: (id: string, options?: CallOptions) => Promise<Message>): (message: Message) => SentMessage {
  const prototype = {
    settled(this: Message, options?: CallOptions): Promise<Message> {
      return waitFor(this.id, options);
    },
  };
  return (message) => Object.assign(Object.create(prototype) as SentMessage, message);
}
