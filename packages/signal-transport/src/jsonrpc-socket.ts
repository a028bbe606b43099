// One connection to signal-cli's JSON-RPC daemon: newline-delimited JSON over TCP or a Unix
// socket. Requests are matched to responses by id (signal-cli answers out of order); `receive`
// notifications go to the handler. When the socket ends, every pending request learns it. A
// request streamed in pieces holds the socket's writes until its line is whole; others queue.
import net from 'node:net';
import { noopLogger, TransportError, type Logger } from '@tether/core';
import { writePieces } from './blob-body.js';
import { encodeRequest, LineDecoder, maskPhoneNumbers, parseJsonRpcLine, type JsonRpcErrorObject, type JsonRpcSingle } from './wire/index.js';

export type CallResult =
  | { readonly kind: 'result'; readonly result: unknown }
  | { readonly kind: 'error'; readonly error: JsonRpcErrorObject }
  /** The socket ended before the answer came. */
  | { readonly kind: 'lost'; readonly error: string };

export interface JsonRpcEndpoint {
  readonly tcp?: { readonly host: string; readonly port: number };
  readonly path?: string;
}

interface Pending {
  readonly resolve: (result: CallResult) => void;
}

/** A line waiting for the socket, or a streamed one and whom to tell how it went (an error text, or undefined when written whole). */
type Write = { readonly line: string } | { readonly pieces: () => AsyncIterable<string>; readonly signal: AbortSignal; readonly done: (error?: string) => void };

export class JsonRpcSocket {
  readonly #socket: net.Socket;
  readonly #pending = new Map<string, Pending>();
  readonly #decoder = new LineDecoder();
  readonly #logger: Logger;
  readonly #onActivity: () => void;
  readonly #writes: Write[] = [];
  #streaming = false;
  #nextId = 1;
  #ended = false;
  readonly ended: Promise<Error | undefined>;

  private constructor(socket: net.Socket, onNotification: (method: string, params: unknown) => void, onActivity: () => void, logger: Logger) {
    this.#socket = socket;
    this.#logger = logger;
    this.#onActivity = onActivity;
    let endError: Error | undefined;
    socket.on('error', (error) => (endError ??= error));
    this.ended = new Promise((resolve) => {
      socket.on('close', () => {
        this.#ended = true;
        for (const pending of this.#pending.values()) pending.resolve({ kind: 'lost', error: 'the connection to signal-cli closed before the answer' });
        this.#pending.clear();
        resolve(endError);
      });
    });
    socket.on('data', (chunk: Buffer) => {
      onActivity();
      const { lines, oversizedLines } = this.#decoder.push(chunk);
      if (oversizedLines > 0) this.#logger.warn({ oversizedLines }, 'oversized JSON-RPC lines dropped');
      for (const line of lines) this.#dispatch(parseJsonRpcLine(line), onNotification);
    });
  }

  /** Opens the socket; rejects on failure or when `signal` aborts. */
  static open(
    endpoint: JsonRpcEndpoint,
    signal: AbortSignal,
    handlers: { onNotification: (method: string, params: unknown) => void; onActivity: () => void; logger?: Logger },
  ): Promise<JsonRpcSocket> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new Error('connect aborted'));
      const socket = endpoint.path ? net.connect({ path: endpoint.path }) : net.connect({ host: endpoint.tcp!.host, port: endpoint.tcp!.port });
      socket.setNoDelay(true);
      const fail = (error: Error): void => {
        cleanup();
        socket.destroy();
        reject(error);
      };
      const onAbort = (): void => fail(new Error('connect aborted'));
      const onConnect = (): void => {
        cleanup();
        resolve(new JsonRpcSocket(socket, handlers.onNotification, handlers.onActivity, handlers.logger ?? noopLogger));
      };
      const cleanup = (): void => {
        signal.removeEventListener('abort', onAbort);
        socket.off('error', fail);
        socket.off('connect', onConnect);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('error', fail);
      socket.once('connect', onConnect);
    });
  }

  get isOpen(): boolean {
    return !this.#ended && !this.#socket.destroyed;
  }

  /**
   * Writes one request. Returns the answer's promise, or undefined when the socket is closed (so
   * nothing was written). `abandon` stops waiting without forgetting the id: a late answer still
   * resolves `late`.
   */
  request(method: string, params?: unknown): { readonly answer: Promise<CallResult>; readonly id: string } | undefined {
    if (!this.isOpen) return undefined;
    const id = `tether-${this.#nextId++}`;
    const answer = new Promise<CallResult>((resolve) => this.#pending.set(id, { resolve }));
    this.#write({ line: encodeRequest(id, method, params) });
    return { answer, id };
  }

  /**
   * Writes one request in pieces: `pieces` gets the line `request` would write and returns it in
   * pieces, which may come slowly (a blob read from a database). Other requests meanwhile are
   * written after it, in order. Resolves once the line is written whole, or with why not: then
   * nothing of it was processed, because pieces that fail (or `signal` aborting) after some were
   * written destroy the socket, as half a line would corrupt the stream.
   */
  async requestStreamed(
    method: string,
    params: unknown,
    pieces: (line: string) => AsyncIterable<string>,
    signal: AbortSignal,
  ): Promise<{ readonly answer: Promise<CallResult>; readonly id: string } | { readonly error: string }> {
    if (!this.isOpen) return { error: 'the connection to signal-cli is closed' };
    const id = `tether-${this.#nextId++}`;
    const line = encodeRequest(id, method, params);
    // Pending from the start: the answer may come while the last piece drains.
    const answer = new Promise<CallResult>((resolve) => this.#pending.set(id, { resolve }));
    const error = await new Promise<string | undefined>((done) => this.#write({ pieces: () => pieces(line), signal, done }));
    if (error === undefined) return { answer, id };
    this.#pending.delete(id);
    return { error };
  }

  /** Sends a request and waits for its answer, or until `signal` aborts (then rejects). */
  async call(method: string, params: unknown, signal: AbortSignal): Promise<CallResult> {
    const sent = this.request(method, params);
    if (!sent) return { kind: 'lost', error: 'the connection to signal-cli is closed' };
    return await new Promise<CallResult>((resolve, reject) => {
      const onAbort = (): void => reject(new Error(`${method} got no answer before the deadline`));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      void sent.answer.then((result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      });
    });
  }

  #write(write: Write): void {
    this.#writes.push(write);
    this.#pump();
  }

  #pump(): void {
    while (!this.#streaming && this.#writes.length > 0) {
      const next = this.#writes.shift()!;
      if ('line' in next) {
        if (this.isOpen) this.#socket.write(next.line);
        continue;
      }
      this.#streaming = true;
      void this.#stream(next).then((error) => {
        this.#streaming = false;
        next.done(error);
        this.#pump();
      });
    }
  }

  /** Writes a streamed line; an error text when it was not written whole. */
  async #stream(write: Extract<Write, { pieces: unknown }>): Promise<string | undefined> {
    if (!this.isOpen) return 'the connection to signal-cli closed before the request was written';
    let pieces: AsyncIterable<string>;
    try {
      pieces = write.pieces();
    } catch (error) {
      return (error as Error).message;
    }
    // A long line (a large attachment) can take longer to write than the heartbeat's timeout, and
    // the heartbeat's own pings wait behind it: every piece signal-cli's side takes is activity.
    const result = await writePieces(this.#socket, pieces, write.signal, this.#onActivity);
    if (result.kind === 'written') return undefined;
    if (result.started && this.isOpen) this.#socket.destroy(new Error('a request was cut off mid-line, so the connection was closed'));
    return result.error;
  }

  /** Closes the socket; with an error, `ended` resolves with it. */
  destroy(error?: Error): void {
    this.#socket.destroy(error);
  }

  #dispatch(message: ReturnType<typeof parseJsonRpcLine>, onNotification: (method: string, params: unknown) => void): void {
    const items: readonly JsonRpcSingle[] = message.kind === 'batch' ? message.items : [message];
    for (const item of items) {
      if (item.kind === 'notification') {
        onNotification(item.method, item.params);
      } else if (item.kind === 'response') {
        const pending = item.id === null ? undefined : this.#pending.get(String(item.id));
        if (!pending) {
          if ('error' in item) this.#logger.warn({ code: item.error.code }, 'JSON-RPC error for no pending request');
          continue;
        }
        this.#pending.delete(String(item.id));
        pending.resolve('error' in item ? { kind: 'error', error: item.error } : { kind: 'result', result: item.result });
      } else {
        this.#logger.warn({ reason: item.reason }, 'invalid JSON-RPC line dropped');
      }
    }
  }
}

/** A call's result, or a TransportError saying which method failed and how (numbers masked). */
export function expectResult(answer: CallResult, method: string): unknown {
  if (answer.kind === 'result') return answer.result;
  if (answer.kind === 'lost') throw new TransportError(`${method}: ${answer.error}`);
  throw new TransportError(`${method} failed: ${maskPhoneNumbers(answer.error.message)} (${answer.error.code})`);
}
