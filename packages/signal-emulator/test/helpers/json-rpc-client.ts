// A minimal NDJSON JSON-RPC client over TCP or a Unix socket, for driving the emulated daemon.
import { connect, type Socket } from 'node:net';
import { AsyncQueue } from './queue.js';

export interface RpcMessage {
  jsonrpc: '2.0';
  id?: string | number | null;
  result?: unknown;
  error?: { code: number; message: string; data: unknown };
  method?: string;
  params?: unknown;
}

export class JsonRpcClient {
  readonly lines = new AsyncQueue<string>();
  readonly notifications = new AsyncQueue<RpcMessage>();
  readonly closed: Promise<void>;
  readonly #responses = new Map<string | number, (message: RpcMessage) => void>();
  readonly #unmatched = new AsyncQueue<RpcMessage | RpcMessage[]>();
  #nextId = 1;
  #partial = '';

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#receive(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => {
      const error = new Error('connection closed');
      this.lines.close(error);
      this.notifications.close(error);
      this.#unmatched.close(error);
    });
  }

  static connect(url: string): Promise<JsonRpcClient> {
    return new Promise((resolve, reject) => {
      const socket = url.startsWith('unix:')
        ? connect(url.slice('unix:'.length))
        : connect(Number(new URL(url).port), '127.0.0.1');
      socket.once('connect', () => resolve(new JsonRpcClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a request and resolves with its response (matched by id, whatever the order). */
  request(method: string, params?: unknown, id: string | number = this.#nextId++): Promise<RpcMessage> {
    const answer = new Promise<RpcMessage>((resolve) => this.#responses.set(id, resolve));
    this.write({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }), id });
    return answer;
  }

  write(value: unknown): void {
    this.writeLine(JSON.stringify(value));
  }

  writeLine(line: string): void {
    this.socket.write(`${line}\n`);
  }

  /** The next message that was neither a notification nor an awaited response (errors with id null, batches). */
  nextUnmatched(): Promise<RpcMessage | RpcMessage[]> {
    return this.#unmatched.next();
  }

  close(): Promise<void> {
    this.socket.end();
    return this.closed;
  }

  #receive(chunk: string): void {
    const parts = (this.#partial + chunk).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      const message = JSON.parse(line) as RpcMessage | RpcMessage[];
      if (Array.isArray(message)) this.#unmatched.push(message);
      else if (message.method !== undefined) this.notifications.push(message);
      else if (message.id !== undefined && message.id !== null && this.#responses.has(message.id)) {
        const resolve = this.#responses.get(message.id);
        this.#responses.delete(message.id);
        resolve?.(message);
      } else this.#unmatched.push(message);
    }
  }
}
