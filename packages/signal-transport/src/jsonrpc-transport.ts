// signal-cli's own JSON-RPC daemon. In `manual` receive mode (the lossless path: messages stay
// queued at Signal while nobody listens) every (re)connect subscribes with `subscribeReceive`; in
// `on-start` mode signal-cli subscribes each connection itself and we must not (every envelope
// would arrive twice). Sends share the socket; a late answer to a timed-out send is reported.
import { noopLogger, TransportError, type ConnectOptions, type Link, type LinkClosed, type Logger, type SendOptions, type SendOutcome, type Transport } from '@tether/core';
import { handleFrame, newFrameCounters, type FrameCounters } from './frame-counters.js';
import { JsonRpcSocket, type CallResult, type JsonRpcEndpoint } from './jsonrpc-socket.js';
import type { BackendInfo } from './rest-transport.js';
import { classifyJsonRpcSend, jsonRpcSendParams, maskPhoneNumbers, unwrapReceiveParams, type IncomingEvent, type OutgoingMessage } from './wire/index.js';

export type ReceiveMode = 'manual' | 'on-start';

export interface JsonRpcTransportOptions {
  readonly endpoint: JsonRpcEndpoint;
  /** As written by the user, for status and logs. */
  readonly url: string;
  readonly account: string;
  /** @default 'manual' */
  readonly receiveMode?: ReceiveMode;
  readonly logger?: Logger;
}

export class JsonRpcTransport implements Transport<OutgoingMessage, IncomingEvent> {
  readonly specificationVersion = 'v1' as const;
  readonly kind = 'signal-jsonrpc';
  readonly counters: FrameCounters = newFrameCounters();
  readonly #options: JsonRpcTransportOptions;
  readonly #receiveMode: ReceiveMode;
  readonly #logger: Logger;
  #socket: JsonRpcSocket | undefined;
  #info: BackendInfo;

  constructor(options: JsonRpcTransportOptions) {
    this.#options = options;
    this.#receiveMode = options.receiveMode ?? 'manual';
    this.#logger = (options.logger ?? noopLogger).child({ component: 'signal-jsonrpc' });
    this.#info = { kind: 'jsonrpc', url: options.url, mode: this.#receiveMode };
  }

  get info(): BackendInfo {
    return this.#info;
  }

  async connect(options: ConnectOptions<IncomingEvent>): Promise<Link> {
    const { account } = this.#options;
    let socket: JsonRpcSocket;
    try {
      socket = await JsonRpcSocket.open(this.#options.endpoint, options.signal, {
        logger: this.#logger,
        onActivity: () => options.onActivity?.(),
        onNotification: (method, params) => {
          if (method === 'receive') handleFrame(unwrapReceiveParams(params), account, this.counters, this.#logger, options.onIncoming);
        },
      });
    } catch (error) {
      throw new TransportError(`signal-cli at ${this.#options.url} is unreachable: ${(error as Error).message}`, { cause: error });
    }
    try {
      const version = expectResult(await socket.call('version', undefined, options.signal), 'version');
      const text = typeof version === 'object' && version !== null ? (version as { version?: unknown }).version : undefined;
      this.#info = { kind: 'jsonrpc', url: this.#options.url, mode: this.#receiveMode, ...(typeof text === 'string' ? { version: text } : {}) };
      if (this.#receiveMode === 'manual') expectResult(await socket.call('subscribeReceive', undefined, options.signal), 'subscribeReceive');
    } catch (error) {
      socket.destroy();
      throw error instanceof TransportError ? error : new TransportError((error as Error).message, { cause: error });
    }
    this.#socket = socket;
    let closedByClient = false;
    const closed: Promise<LinkClosed> = socket.ended.then((error) => {
      if (this.#socket === socket) this.#socket = undefined;
      if (closedByClient) return { reason: 'closed-by-client' };
      return error ? { reason: 'error', error } : { reason: 'closed-by-peer', error: new Error('signal-cli closed the connection') };
    });
    return {
      closed,
      ping: () => void socket.request('version'),
      close: () => {
        closedByClient = true;
        socket.destroy();
      },
    };
  }

  /** Calls any JSON-RPC method on the open connection (for requests Tether passes through). */
  async call(method: string, params: unknown, signal: AbortSignal): Promise<CallResult> {
    const socket = this.#socket;
    if (!socket) return { kind: 'lost', error: 'no connection to signal-cli' };
    return await socket.call(method, params, signal);
  }

  /** Submits a solved captcha for a rate-limit challenge. Resolves with an error text, or undefined on success. */
  async submitChallenge(token: string, captcha: string, signal: AbortSignal): Promise<string | undefined> {
    const socket = this.#socket;
    if (!socket) return 'no connection to signal-cli';
    try {
      const answer = await socket.call('submitRateLimitChallenge', { account: this.#options.account, challenge: token, captcha }, signal);
      if (answer.kind === 'result') return undefined;
      return answer.kind === 'lost' ? answer.error : maskPhoneNumbers(`${answer.error.message} (${answer.error.code})`);
    } catch (error) {
      return (error as Error).message;
    }
  }

  async send(message: OutgoingMessage, options: SendOptions): Promise<SendOutcome> {
    const params = jsonRpcSendParams(this.#options.account, message);
    if (!params.ok) return { kind: 'failed', error: maskPhoneNumbers(params.error.message) };
    if (options.signal.aborted) return { kind: 'not-sent', error: 'aborted before the request was written' };
    const sent = this.#socket?.request('send', params.body);
    if (!sent) return { kind: 'not-sent', error: 'no connection to signal-cli' };
    return await new Promise<SendOutcome>((resolve) => {
      const onAbort = (): void => {
        resolve({ kind: 'unknown', error: 'no answer from signal-cli before the deadline' });
        const late = options.onLateOutcome;
        if (late) void sent.answer.then((answer) => answer.kind !== 'lost' && late(classify(answer)));
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      void sent.answer.then((answer) => {
        options.signal.removeEventListener('abort', onAbort);
        resolve(answer.kind === 'lost' ? { kind: 'unknown', error: answer.error } : classify(answer));
      });
    });
  }
}

function classify(answer: Exclude<CallResult, { kind: 'lost' }>): SendOutcome {
  return classifyJsonRpcSend(answer.kind === 'result' ? { result: answer.result } : { error: answer.error });
}

function expectResult(answer: CallResult, method: string): unknown {
  if (answer.kind === 'result') return answer.result;
  if (answer.kind === 'lost') throw new TransportError(`${method}: ${answer.error}`);
  throw new TransportError(`${method} failed: ${maskPhoneNumbers(answer.error.message)} (${answer.error.code})`);
}
