// A Transport v2 for a WebSocket chat server: one connection carries incoming posts, receipts and
// our own posts. It is what a third-party transport needs and nothing more: a bad token fails
// for good (the link stops in `failed`), a send never waits for a connection that is not there,
// and an answer that comes after our deadline is still reported.
import type http from 'node:http';
import { noopLogger, TransportError, type ConnectOptions, type Link, type Logger, type SendOptionsV2, type SendOutcomeV2, type TransportV2 } from '@tether/core';
import WebSocket from 'ws';
import { ChatLink } from './chat-link.js';
import { MAX_TEXT_LENGTH, type ChatEvent, type ChatMessage } from './protocol.js';

export interface WsChatTransportOptions {
  /** The chat endpoint, e.g. `ws://127.0.0.1:8080/chat`. */
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>` at the upgrade. */
  readonly token: string;
  /** @default noopLogger */
  readonly logger?: Logger;
}

export class WsChatTransport implements TransportV2<ChatMessage, ChatEvent> {
  readonly specificationVersion = 'v2' as const;
  readonly kind = 'ws-chat';
  readonly #url: string;
  readonly #token: string;
  readonly #logger: Logger;
  #link: ChatLink | undefined;
  #requests = 0;

  constructor(options: WsChatTransportOptions) {
    this.#url = options.url;
    this.#token = options.token;
    this.#logger = (options.logger ?? noopLogger).child({ component: 'ws-chat' });
  }

  connect(options: ConnectOptions<ChatEvent>): Promise<Link> {
    const { signal } = options;
    return new Promise<Link>((resolve, reject) => {
      if (signal.aborted) return reject(new TransportError('connect aborted', { cause: signal.reason }));
      const socket = new WebSocket(this.#url, { headers: { authorization: `Bearer ${this.#token}` }, perMessageDeflate: false });
      const link = new ChatLink(socket, options);
      const fail = (error: TransportError): void => {
        done();
        socket.terminate();
        reject(error);
      };
      const onAbort = (): void => fail(new TransportError('connect aborted', { cause: signal.reason }));
      const onError = (error: Error): void => fail(new TransportError(`chat server unreachable: ${error.message}`, { cause: error }));
      const onRefused = (request: http.ClientRequest, response: http.IncomingMessage): void => {
        const status = response.statusCode ?? 0;
        response.resume();
        request.destroy();
        // A refused token cannot be fixed by retrying: the link must stop in `failed`.
        fail(new TransportError(`the chat server refused the connection with HTTP ${status}`, { retriable: status !== 401 && status !== 403 }));
      };
      const onOpen = (): void => {
        done();
        this.#link = link;
        resolve(link);
      };
      const done = (): void => {
        signal.removeEventListener('abort', onAbort);
        socket.off('error', onError).off('unexpected-response', onRefused).off('open', onOpen);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('error', onError).once('unexpected-response', onRefused).once('open', onOpen);
    });
  }

  async send(message: ChatMessage, options: SendOptionsV2): Promise<SendOutcomeV2> {
    const { signal, idempotencyKey, onLateOutcome } = options;
    if (signal.aborted) return { kind: 'not-sent', error: 'the deadline passed before the post was written' };
    if (message.text.length > MAX_TEXT_LENGTH) return { kind: 'failed', error: `the text is longer than ${MAX_TEXT_LENGTH} characters` };
    const link = this.#link;
    if (!link?.isOpen) return { kind: 'not-sent', error: 'no connection to the chat server' };
    const id = String(++this.#requests);
    const answer = link.post({ type: 'post', id, key: idempotencyKey, text: message.text });
    return await new Promise<SendOutcomeV2>((resolve) => {
      const onDeadline = (): void => {
        resolve({ kind: 'unknown', reason: 'deadline', error: 'no answer from the chat server before the deadline' });
        if (!onLateOutcome) return link.forget(id);
        void answer.then((late) => {
          if (late.kind === 'unknown') return;
          this.#logger.info({ request: id, outcome: late.kind }, 'late answer to a post');
          onLateOutcome(late);
        });
      };
      signal.addEventListener('abort', onDeadline, { once: true });
      void answer.then((outcome) => {
        signal.removeEventListener('abort', onDeadline);
        resolve(outcome);
      });
    });
  }
}
