// One open connection to the chat server, as core's `Link`: it reports every sign of life, hands
// incoming posts and receipts to the channel, and matches answers to the posts waiting for them.
// Once a post is written, only an answer settles it; a connection that dies first leaves it
// `unknown` (link-lost): the server may have stored it.
import type { ConnectOptions, Link, LinkClosed, SendOutcomeV2 } from '@tether/core';
import type WebSocket from 'ws';
import { outcomeOf } from './outcomes.js';
import { encode, parseServerFrame, type ChatEvent, type ClientFrame } from './protocol.js';

/** How long a peer gets to finish the closing handshake before the socket is cut. */
const CLOSE_GRACE_MS = 1_000;

export class ChatLink implements Link {
  readonly closed: Promise<LinkClosed>;
  readonly #socket: WebSocket;
  readonly #waiting = new Map<string, (outcome: SendOutcomeV2) => void>();
  #closedByClient = false;
  #error: Error | undefined;

  /** Listens from the socket's first moment, so nothing that arrives with the handshake is missed. */
  constructor(socket: WebSocket, options: Pick<ConnectOptions<ChatEvent>, 'onIncoming' | 'onActivity' | 'onReceipt'>) {
    this.#socket = socket;
    const alive = (): void => options.onActivity?.();
    socket.on('error', (error) => (this.#error ??= error));
    socket.on('ping', alive);
    socket.on('pong', alive);
    socket.on('message', (data, isBinary) => {
      alive();
      const frame = isBinary ? undefined : parseServerFrame(String(data));
      if (frame?.type === 'message') options.onIncoming({ messageId: frame.messageId, from: frame.from, text: frame.text });
      else if (frame?.type === 'receipt') options.onReceipt?.({ type: frame.kind, backendIds: frame.messageIds });
      else if (frame?.type === 'ack' || frame?.type === 'error') this.#settle(frame.id, outcomeOf(frame));
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', (code) => {
        for (const id of [...this.#waiting.keys()]) {
          this.#settle(id, { kind: 'unknown', reason: 'link-lost', error: `the connection closed (code ${code}) before the server answered` });
        }
        if (this.#closedByClient) return resolve({ reason: 'closed-by-client' });
        resolve({ reason: this.#error ? 'error' : 'closed-by-peer', error: this.#error ?? new Error(`the chat server closed the connection (code ${code})`) });
      });
    });
  }

  get isOpen(): boolean {
    return this.#socket.readyState === this.#socket.OPEN && !this.#closedByClient;
  }

  ping(): void {
    if (this.isOpen) this.#socket.ping();
  }

  close(): void {
    if (this.#closedByClient) return;
    this.#closedByClient = true;
    if (this.#socket.readyState === this.#socket.CLOSED) return;
    this.#socket.close(1000);
    setTimeout(() => this.#socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** Writes a post; the promise settles with its answer, or `unknown` if the connection dies first. */
  post(frame: ClientFrame): Promise<SendOutcomeV2> {
    const answer = new Promise<SendOutcomeV2>((resolve) => this.#waiting.set(frame.id, resolve));
    this.#socket.send(encode(frame));
    return answer;
  }

  /** Stops waiting for an answer nobody will read. */
  forget(id: string): void {
    this.#waiting.delete(id);
  }

  #settle(id: string, outcome: SendOutcomeV2): void {
    const resolve = this.#waiting.get(id);
    this.#waiting.delete(id);
    resolve?.(outcome);
  }
}
