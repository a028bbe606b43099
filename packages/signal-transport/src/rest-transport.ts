// signal-cli-rest-api in json-rpc mode, on Transport v2: `/v1/about` must say json-rpc, incoming
// messages and receipts arrive on the WebSocket `/v1/receive/{account}`, sends are `POST /v2/send`
// with a deadline, and `GET /v1/accounts` is the readiness probe (`/v1/health` is always 204 and
// proves nothing). While a link is up the probe runs at least every `probeIntervalMs`: it alone
// sees signal-cli restart behind the live WebSocket, and its results feed the loss windows. A
// send with blob attachments streams its body (blob-body.ts).
import http from 'node:http';
import https from 'node:https';
import { noopLogger, systemClock, TransportError, type Clock, type ConnectOptions, type Link, type Logger, type SendOptionsV2, type SendOutcomeV2, type TransportV2 } from '@tether/core';
import WebSocket from 'ws';
import { BlobBody, blobNonce, noBlobReader } from './blob-body.js';
import { handleFrame, newFrameCounters, parseJsonOrUndefined, type FrameCounters } from './frame-counters.js';
import { httpRequest, type HttpResult } from './http-request.js';
import { ReadinessProbes, type ProbeResult } from './readiness-probes.js';
import { withBlobPlaceholders } from './wire/blob-template.js';
import { classifyRestProbe, classifyRestSend, maskPhoneNumbers, parseAbout, restSendBody, type BlobReader, type IncomingEvent, type OutgoingMessage } from './wire/index.js';
import { WebSocketLink } from './ws-link.js';

export interface BackendInfo {
  readonly kind: 'rest' | 'jsonrpc';
  readonly url: string;
  readonly mode?: string;
  readonly version?: string;
  /**
   * `lossless` only for signal-cli in manual receive mode, where messages wait at Signal while
   * nobody listens; the REST API and on-start lose what arrives while Tether is not attached.
   */
  readonly receive: 'lossless' | 'best-effort';
  /** JSON-RPC: the receive mode detected from what signal-cli does (absent before the first connect). */
  readonly receiveMode?: 'manual' | 'on-start';
}

export interface RestTransportOptions {
  /** `http://host:port` of signal-cli-rest-api. */
  readonly url: string;
  /** The account, E.164. */
  readonly account: string;
  /**
   * While a link is up, probe readiness at least this often, also when nobody else asks (the send
   * gate stops probing while paused): a failure opens a loss window. @default no own probing
   */
  readonly probeIntervalMs?: number;
  /** Times the probes (their start bounds loss windows). @default systemClock */
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Reads the bytes of `blob` attachments while the request is written. @default none: such a send fails */
  readonly readBlob?: BlobReader;
}


export class RestTransport implements TransportV2<OutgoingMessage, IncomingEvent> {
  readonly specificationVersion = 'v2' as const;
  readonly kind = 'signal-rest';
  readonly counters: FrameCounters = newFrameCounters();
  readonly #base: URL;
  readonly #account: string;
  readonly #logger: Logger;
  readonly #agent: http.Agent;
  readonly #probes: ReadinessProbes;
  readonly #readBlob: BlobReader | undefined;
  #info: BackendInfo;

  constructor(options: RestTransportOptions) {
    this.#base = new URL(options.url);
    this.#account = options.account;
    this.#logger = (options.logger ?? noopLogger).child({ component: 'signal-rest' });
    this.#agent = this.#base.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    const clock = options.clock ?? systemClock;
    this.#probes = new ReadinessProbes((signal) => this.#ready(signal), options.probeIntervalMs, this.#logger, () => clock.now());
    this.#info = { kind: 'rest', url: this.#base.origin, receive: 'best-effort' };
    this.#readBlob = options.readBlob;
  }

  get info(): BackendInfo {
    return this.#info;
  }

  async connect(options: ConnectOptions<IncomingEvent>): Promise<Link> {
    const about = await httpRequest(this.#url('/v1/about'), { method: 'GET', signal: options.signal, agent: this.#agent });
    if (!about.ok) throw new TransportError(`signal-cli-rest-api at ${this.#base.origin} is unreachable: ${about.error}`);
    if (about.status !== 200) throw new TransportError(`GET /v1/about answered ${about.status}`);
    const parsed = parseAbout(parseJsonOrUndefined(about.body));
    if (!parsed.ok) {
      const error = new TransportError(parsed.error);
      error.retriable = false;
      throw error;
    }
    this.#info = { kind: 'rest', url: this.#base.origin, mode: parsed.mode, version: parsed.version, receive: 'best-effort' };
    // The link (and its frame listener) exists from the socket's first moment: a frame that comes
    // in the same read as the handshake's answer is emitted before 'open' settles our promise.
    let link: WebSocketLink | undefined;
    await this.#openSocket(options.signal, (socket) => {
      link = new WebSocketLink(
        socket,
        () => options.onActivity?.(),
        (data) => handleFrame(parseJsonOrUndefined(data), this.#account, this.counters, this.#logger, options),
      );
    });
    this.#probes.linkUp();
    void link!.closed.then(() => this.#probes.linkDown());
    return link!;
  }

  /** Every readiness probe's answer, whoever asked for it. Returns the unsubscribe. */
  onProbe(listener: (result: ProbeResult) => void): () => void {
    return this.#probes.onResult(listener);
  }

  /**
   * Signal has no idempotency key, so `idempotencyKey` cannot reach it: an `unknown` send resent
   * may arrive twice, which the outbox marks `ambiguous`. A request written and then unanswered is
   * `deadline` when our deadline aborted it and `link-lost` when the connection broke first. The
   * answer of an aborted request is gone with its socket, so there are no late outcomes. A body
   * with blobs that cannot be read whole is destroyed unwritten: see `BlobBody.outcome`.
   */
  async send(message: OutgoingMessage, options: SendOptionsV2): Promise<SendOutcomeV2> {
    const template = withBlobPlaceholders(message, blobNonce());
    const body = restSendBody(this.#account, template.message);
    if (!body.ok) return { kind: 'failed', error: maskPhoneNumbers(body.error.message) };
    let request: string | BlobBody = JSON.stringify(body.body);
    if (template.slots.length > 0) {
      if (this.#readBlob === undefined) return noBlobReader(template.slots);
      request = new BlobBody(request, template.slots, this.#readBlob);
      if (request.outcome) return request.outcome;
    }
    const result = await httpRequest(this.#url('/v2/send'), { method: 'POST', body: request, signal: options.signal, agent: this.#agent });
    if (typeof request !== 'string' && request.outcome) return request.outcome;
    if (result.ok) return classifyRestSend(result.status, result.body);
    if (!result.written) return { kind: 'not-sent', error: result.error };
    return { kind: 'unknown', error: result.error, reason: options.signal.aborted ? 'deadline' : 'link-lost' };
  }

  probe(signal: AbortSignal): Promise<boolean> {
    return this.#probes.run(signal);
  }

  /** A raw request to the REST API (for endpoints Tether passes through, e.g. typing indicators). */
  request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body: unknown, signal: AbortSignal): Promise<HttpResult> {
    return httpRequest(this.#url(path), { method, signal, agent: this.#agent, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  }

  /** Submits a solved captcha for a rate-limit challenge. Resolves with an error text, or undefined on success. */
  async submitChallenge(token: string, captcha: string, signal: AbortSignal): Promise<string | undefined> {
    const path = `/v1/accounts/${encodeURIComponent(this.#account)}/rate-limit-challenge`;
    const result = await httpRequest(this.#url(path), { method: 'POST', body: JSON.stringify({ challenge_token: token, captcha }), signal, agent: this.#agent });
    if (!result.ok) return result.error;
    if (result.status >= 200 && result.status < 300) return undefined;
    return maskPhoneNumbers(`signal-cli-rest-api answered ${result.status}: ${result.body.slice(0, 300)}`);
  }

  /** Closes idle keep-alive sockets. */
  dispose(): void {
    this.#probes.linkDown();
    this.#agent.destroy();
  }

  async #ready(signal: AbortSignal): Promise<boolean> {
    const result = await httpRequest(this.#url('/v1/accounts'), { method: 'GET', signal, agent: this.#agent });
    return result.ok && classifyRestProbe(result.status, result.body, this.#account);
  }

  #url(path: string): URL {
    return new URL(path, this.#base);
  }

  #openSocket(signal: AbortSignal, adopt: (socket: WebSocket) => void): Promise<WebSocket> {
    const url = new URL(`/v1/receive/${encodeURIComponent(this.#account)}`, this.#base);
    url.protocol = this.#base.protocol === 'https:' ? 'wss:' : 'ws:';
    return new Promise<WebSocket>((resolve, reject) => {
      if (signal.aborted) return reject(new TransportError('connect aborted', { cause: signal.reason }));
      const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
      socket.on('error', () => {}); // errors are reported through 'close' (see WebSocketLink); never crash
      adopt(socket);
      const fail = (error: Error): void => {
        cleanup();
        socket.terminate();
        reject(error);
      };
      const onAbort = (): void => fail(new TransportError('connect aborted', { cause: signal.reason }));
      const onError = (error: Error): void => fail(new TransportError(`WebSocket failed: ${error.message}`, { cause: error }));
      const onUnexpected = (_request: unknown, response: http.IncomingMessage): void =>
        fail(new TransportError(`WebSocket upgrade refused with HTTP ${response.statusCode ?? 0}`));
      const onOpen = (): void => {
        cleanup();
        resolve(socket);
      };
      const cleanup = (): void => {
        signal.removeEventListener('abort', onAbort);
        socket.off('error', onError);
        socket.off('open', onOpen);
        socket.off('unexpected-response', onUnexpected);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('error', onError);
      socket.once('open', onOpen);
      socket.once('unexpected-response', onUnexpected);
    });
  }
}
