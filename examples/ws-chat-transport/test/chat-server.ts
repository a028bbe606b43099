// A tiny chat server for the tests, on 127.0.0.1: it checks the bearer token at the upgrade,
// keeps the first post per idempotency key (a resend gets the original id back), and can be
// told to misbehave: hold answers, drop a connection after reading a post, refuse posts or the
// token, go silent on pings, die and come back on the same port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { encode, parseClientFrame, type ClientFrame, type ErrorCode } from '../src/protocol.js';

type Fault = { readonly kind: 'hang' } | { readonly kind: 'lose' } | { readonly kind: 'refuse'; readonly code: ErrorCode; readonly retryAfterMs?: number };

export interface StoredPost {
  readonly key: string;
  readonly text: string;
  readonly messageId: string;
}

export class ChatServer {
  /** Every post the server stored, once per idempotency key, in order. */
  readonly posts: StoredPost[] = [];
  /** Every post frame read, duplicates included. */
  reads = 0;
  /** While true, pings go unanswered (a half-open server). */
  silent = false;
  readonly #token: string;
  readonly #http = http.createServer((_request, response) => response.writeHead(404).end());
  readonly #sockets = new WebSocketServer({ noServer: true, autoPong: false });
  readonly #byKey = new Map<string, string>();
  readonly #faults: Fault[] = [];
  readonly #held: { socket: WebSocket; id: string; messageId: string }[] = [];
  #revoked = false;
  #port = 0;
  #nextId = 1;

  private constructor(token: string) {
    this.#token = token;
    this.#http.on('upgrade', (request, socket, head) => {
      if (this.#revoked || request.headers.authorization !== `Bearer ${this.#token}`) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      this.#sockets.handleUpgrade(request, socket, head, (client) => this.#serve(client));
    });
  }

  static async start(options: { readonly token: string }): Promise<ChatServer> {
    const server = new ChatServer(options.token);
    await server.#listen(0);
    return server;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.#port}/chat`;
  }

  get clients(): number {
    return this.#sockets.clients.size;
  }

  hangNextPosts(count = 1): void {
    for (let i = 0; i < count; i++) this.#faults.push({ kind: 'hang' });
  }

  /** Stores the next post, then cuts its connection without answering. */
  loseNextPost(): void {
    this.#faults.push({ kind: 'lose' });
  }

  refuseNextPost(code: ErrorCode, retryAfterMs?: number): void {
    this.#faults.push({ kind: 'refuse', code, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }

  /** Answers every held post now, as accepted (late). */
  answerHeld(): void {
    for (const { socket, id, messageId } of this.#held.splice(0)) socket.send(encode({ type: 'ack', id, messageId }));
  }

  /** Someone else posts: every client gets it. */
  deliver(text: string, from = 'alice'): void {
    this.#broadcast(encode({ type: 'message', messageId: this.#newId(), from, text }));
  }

  receipt(kind: 'delivered' | 'read', messageIds: readonly string[]): void {
    this.#broadcast(encode({ type: 'receipt', kind, messageIds }));
  }

  /** The token no longer works: open connections are closed, new ones refused with 401. */
  revoke(): void {
    this.#revoked = true;
    for (const client of this.#sockets.clients) client.close(4401, 'token revoked');
  }

  /** The token works again. */
  reinstate(): void {
    this.#revoked = false;
  }

  /** Resets every connection (no close frame); keeps listening. */
  dropConnections(): void {
    for (const client of this.#sockets.clients) client.terminate();
  }

  /** Dies: every connection reset, the port closed. What it stored survives (as a database would). */
  async stop(): Promise<void> {
    this.dropConnections();
    this.#held.length = 0;
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  /** Comes back on the same port. */
  async restart(): Promise<void> {
    await this.#listen(this.#port);
  }

  async close(): Promise<void> {
    if (this.#http.listening) await this.stop();
    this.#sockets.close();
  }

  #serve(client: WebSocket): void {
    client.on('error', () => {});
    client.on('ping', (data) => {
      if (!this.silent) client.pong(data);
    });
    client.on('message', (data) => {
      const frame = parseClientFrame(String(data));
      if (frame) this.#post(client, frame);
    });
  }

  #post(client: WebSocket, frame: ClientFrame): void {
    this.reads++;
    const fault = this.#faults.shift();
    if (fault?.kind === 'refuse') {
      client.send(encode({ type: 'error', id: frame.id, code: fault.code, message: `refused (${fault.code})`, ...(fault.retryAfterMs === undefined ? {} : { retryAfterMs: fault.retryAfterMs }) }));
      return;
    }
    let messageId = this.#byKey.get(frame.key);
    if (messageId === undefined) {
      messageId = this.#newId();
      this.#byKey.set(frame.key, messageId);
      this.posts.push({ key: frame.key, text: frame.text, messageId });
    }
    if (fault?.kind === 'hang') this.#held.push({ socket: client, id: frame.id, messageId });
    else if (fault?.kind === 'lose') client.terminate();
    else client.send(encode({ type: 'ack', id: frame.id, messageId }));
  }

  #broadcast(data: string): void {
    for (const client of this.#sockets.clients) client.send(data);
  }

  #newId(): string {
    return `c${this.#nextId++}`;
  }

  async #listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(port, '127.0.0.1', () => {
        this.#http.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#http.address() as AddressInfo).port;
  }
}
