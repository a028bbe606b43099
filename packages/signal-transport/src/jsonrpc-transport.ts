// signal-cli's own JSON-RPC daemon, on Transport v2. Its receive mode is found at every connect
// (receive-mode.ts), not assumed: manual mode (lossless: messages wait at Signal while nobody
// listens) gets our own `subscribeReceive`; an auto-subscribing daemon gets none, or loses a
// duplicate one at its first frame. Every call names the account. Sends share the socket; a late
// answer to a send that ended unknown is reported; receipts reach `onReceipt`. A send with blob
// attachments streams its line (blob-body.ts).
import { noopLogger, TransportError, type ConnectOptions, type Link, type LinkClosed, type Logger, type SendOptionsV2, type SendOutcomeV2, type TransportV2 } from '@tether/core';
import { BlobBody, blobNonce, noBlobReader } from './blob-body.js';
import { handleFrame, newFrameCounters, type FrameCounters } from './frame-counters.js';
import { expectResult, JsonRpcSocket, type CallResult, type JsonRpcEndpoint } from './jsonrpc-socket.js';
import { LOSSY_WARNING, NotificationFilter, planConnect, refusal, type ConnectPlan, type ReceiveMode, type ReceiveProbe } from './receive-mode.js';
import type { BackendInfo } from './rest-transport.js';
import { withBlobPlaceholders } from './wire/blob-template.js';
import { classifyJsonRpcSend, jsonRpcSendParams, maskPhoneNumbers, type BlobReader, type IncomingEvent, type OutgoingMessage } from './wire/index.js';

export type { ReceiveMode };

export interface JsonRpcTransportOptions {
  readonly endpoint: JsonRpcEndpoint;
  /** As written by the user, for status and logs. */
  readonly url: string;
  readonly account: string;
  /**
   * An assertion, not a switch: signal-cli's mode is detected at every connect, and a daemon that
   * contradicts this fails the link with a non-retriable error that says what to change.
   * @default detected
   */
  readonly receiveMode?: ReceiveMode;
  readonly logger?: Logger;
  /** Reads the bytes of `blob` attachments while the request is written. @default none: such a send fails */
  readonly readBlob?: BlobReader;
}


export class JsonRpcTransport implements TransportV2<OutgoingMessage, IncomingEvent> {
  readonly specificationVersion = 'v2' as const;
  readonly kind = 'signal-jsonrpc';
  readonly counters: FrameCounters = newFrameCounters();
  readonly #options: JsonRpcTransportOptions;
  readonly #logger: Logger;
  #socket: JsonRpcSocket | undefined;
  #info: BackendInfo;
  #version: string | undefined;
  #warned = false;
  /** A contradiction seen in the frames of an earlier link, until a probe shows the daemon changed. */
  #contradiction: string | undefined;

  constructor(options: JsonRpcTransportOptions) {
    this.#options = options;
    this.#logger = (options.logger ?? noopLogger).child({ component: 'signal-jsonrpc' });
    this.#info = { kind: 'jsonrpc', url: options.url, receive: 'best-effort' };
  }

  get info(): BackendInfo {
    return this.#info;
  }

  async connect(options: ConnectOptions<IncomingEvent>): Promise<Link> {
    const { account } = this.#options;
    const filter = new NotificationFilter(this.#options.receiveMode);
    let socket: JsonRpcSocket | undefined;
    let up = false;
    const onReceive = (params: unknown): void => {
      const verdict = filter.accept(params);
      if (verdict.frame !== undefined) handleFrame(verdict.frame, account, this.counters, this.#logger, options);
      if (verdict.unsubscribe !== undefined) void socket?.request('unsubscribeReceive', { account, subscription: verdict.unsubscribe });
      if (verdict.mode !== undefined && up) this.#setMode(verdict.mode);
      if (verdict.contradiction !== undefined) {
        this.#contradiction = verdict.contradiction;
        // While connecting, the check below refuses the link; once up, the link fails with it.
        if (up) socket?.destroy(refusal(verdict.contradiction));
      }
    };
    try {
      socket = await JsonRpcSocket.open(this.#options.endpoint, options.signal, {
        logger: this.#logger,
        onActivity: () => options.onActivity?.(),
        onNotification: (method, params) => method === 'receive' && onReceive(params),
      });
    } catch (error) {
      throw new TransportError(`signal-cli at ${this.#options.url} is unreachable: ${(error as Error).message}`, { cause: error });
    }
    try {
      const version = expectResult(await socket.call('version', { account }, options.signal), 'version');
      const text = typeof version === 'object' && version !== null ? (version as { version?: unknown }).version : undefined;
      this.#version = typeof text === 'string' ? text : undefined;
      const plan = this.#plan(await this.#probe(socket, options));
      filter.apply(plan);
      // Bare frames during the probe already showed a daemon that pushes by itself.
      if (plan.subscribe && !filter.autoSubscribed) {
        filter.expectSubscription();
        const subscription = expectResult(await socket.call('subscribeReceive', { account }, options.signal), 'subscribeReceive');
        if (typeof subscription === 'number') filter.subscribed(subscription);
      }
      if (this.#contradiction !== undefined) throw refusal(this.#contradiction);
      this.#setMode(filter.mode);
    } catch (error) {
      socket.destroy();
      throw error instanceof TransportError ? error : new TransportError((error as Error).message, { cause: error });
    }
    this.#socket = socket;
    up = true;
    const open = socket;
    let closedByClient = false;
    const closed: Promise<LinkClosed> = open.ended.then((error) => {
      if (this.#socket === open) this.#socket = undefined;
      if (closedByClient) return { reason: 'closed-by-client' };
      return error ? { reason: 'error', error } : { reason: 'closed-by-peer', error: new Error('signal-cli closed the connection') };
    });
    return {
      closed,
      ping: () => void open.request('version', { account }),
      close: () => {
        closedByClient = true;
        open.destroy();
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

  /**
   * signal-cli has no idempotency key, so `idempotencyKey` cannot reach it (see RestTransport).
   * Unanswered at our deadline is `deadline`, and a later answer to the same request id is passed
   * to `onLateOutcome`; a socket that closed before the answer is `link-lost`. A line with blobs
   * that cannot be read whole, or not before the deadline, is never finished: see `BlobBody.outcome`.
   */
  async send(message: OutgoingMessage, options: SendOptionsV2): Promise<SendOutcomeV2> {
    const template = withBlobPlaceholders(message, blobNonce());
    const params = jsonRpcSendParams(this.#options.account, template.message);
    if (!params.ok) return { kind: 'failed', error: maskPhoneNumbers(params.error.message) };
    const readBlob = template.slots.length > 0 ? this.#options.readBlob : undefined;
    if (template.slots.length > 0 && readBlob === undefined) return noBlobReader(template.slots);
    if (options.signal.aborted) return { kind: 'not-sent', error: 'aborted before the request was written' };
    const socket = this.#socket;
    if (!socket) return { kind: 'not-sent', error: 'no connection to signal-cli' };
    let body: BlobBody | undefined;
    const sent =
      readBlob === undefined
        ? (socket.request('send', params.body) ?? { error: 'no connection to signal-cli' })
        : await socket.requestStreamed('send', params.body, (line) => (body = new BlobBody(line, template.slots, readBlob)).pieces(), options.signal);
    if ('error' in sent) return body?.outcome ?? { kind: 'not-sent', error: sent.error };
    const { answer } = sent;
    return await new Promise<SendOutcomeV2>((resolve) => {
      const onAbort = (): void => {
        resolve({ kind: 'unknown', error: 'no answer from signal-cli before the deadline', reason: 'deadline' });
        const late = options.onLateOutcome;
        if (late) void answer.then((result) => result.kind !== 'lost' && late(classify(result)));
      };
      // A streamed line may have ended just as the deadline passed.
      if (options.signal.aborted) return onAbort();
      options.signal.addEventListener('abort', onAbort, { once: true });
      void answer.then((result) => {
        options.signal.removeEventListener('abort', onAbort);
        resolve(result.kind === 'lost' ? { kind: 'unknown', error: result.error, reason: 'link-lost' } : classify(result));
      });
    });
  }

  /**
   * `receive` with maxMessages 0 reads nothing (ReceiveHelper.receiveMessagesInternal) and answers
   * only while nothing receives for the account (ManagerImpl.receiveMessages): a manual daemon.
   */
  async #probe(socket: JsonRpcSocket, options: ConnectOptions<IncomingEvent>): Promise<ReceiveProbe> {
    const params = { timeout: 0, maxMessages: 0 };
    let answer = await socket.call('receive', { account: this.#options.account, ...params }, options.signal);
    // A single-account daemon (`signal-cli -a NUMBER daemon`) keeps `account` among the params,
    // and `receive`'s strict ReceiveParams refuse it (-32600 "Unrecognized field \"account\"").
    if (answer.kind === 'error' && answer.error.code === -32600 && answer.error.message.includes('"account"')) {
      answer = await socket.call('receive', params, options.signal);
    }
    if (answer.kind === 'lost') throw new TransportError(`receive: ${answer.error}`);
    if (answer.kind === 'result') {
      // Nothing is read with maxMessages 0; should a daemon answer frames anyway, they are ours.
      const frames = Array.isArray(answer.result) ? answer.result : [];
      for (const frame of frames) handleFrame(frame, this.#options.account, this.counters, this.#logger, options);
      return 'manual';
    }
    if (answer.error.code === -32602) throw new TransportError(`receive failed: ${maskPhoneNumbers(answer.error.message)} (${answer.error.code})`);
    this.#logger.debug({ code: answer.error.code }, 'receive probe refused: signal-cli already receives');
    return 'busy';
  }

  #plan(probe: ReceiveProbe): ConnectPlan {
    if (probe === 'manual') this.#contradiction = undefined;
    const plan = planConnect(this.#options.receiveMode, probe);
    const contradiction = 'contradiction' in plan ? plan.contradiction : this.#contradiction;
    if (contradiction !== undefined) throw refusal(contradiction);
    return plan as ConnectPlan;
  }

  #setMode(mode: ReceiveMode): void {
    this.#info = {
      kind: 'jsonrpc',
      url: this.#options.url,
      ...(this.#version === undefined ? {} : { version: this.#version }),
      receive: mode === 'manual' ? 'lossless' : 'best-effort',
      receiveMode: mode,
    };
    if (mode === 'on-start' && !this.#warned) {
      this.#warned = true;
      this.#logger.warn({ receiveMode: mode }, LOSSY_WARNING);
    }
  }
}

function classify(answer: Exclude<CallResult, { kind: 'lost' }>): SendOutcomeV2 {
  return classifyJsonRpcSend(answer.kind === 'result' ? { result: answer.result } : { error: answer.error });
}
