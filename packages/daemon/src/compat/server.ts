// The drop-in signal-cli-rest-api listener (TETHER_COMPAT_LISTEN): HTTP routes, the receive
// WebSocket, the optional token, and an orderly close that answers waiting sends as queued.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '@tether/core';
import { WebSocketServer } from 'ws';
import { authorized, UNAUTHORIZED_BODY } from './auth.js';
import { AppError } from '../app/errors.js';
import type { BodyBudget } from '../http/body.js';
import { readJsonStreaming, type JsonPath, type StringSink } from '../http/json-stream.js';
import { requestUrl } from '../http/request-target.js';
import type { CompatPort } from './port.js';
import { BodyTooLarge, errorAnswer, readText, writeAnswer, writeNotFound, writeText } from './http-io.js';
import { ReceiveCursor } from './receive-cursor.js';
import { ReceiveHub } from './receive-hub.js';
import { matchRoute, pathParameter, runRoute } from './routes.js';
import type { SendContext } from './send-handler.js';
import { SendWaiter } from './send-waiter.js';

export interface CompatListener {
  readonly address: { readonly host: string; readonly port: number };
  close(): Promise<void>;
}

const SMALL_BODY = 64 * 1024;
const RECEIVE_PATH = /^\/v1\/receive\/([^/]+)$/;
// gorilla/websocket's text for a plain GET, which the REST server prefixes with "Bad Request\n".
const NOT_WEBSOCKET = `Bad Request\n${JSON.stringify({ error: "websocket: the client is not using the websocket protocol: 'upgrade' token not found in 'Connection' header" })}`;

export async function startCompat(port: CompatPort, options: { readonly token?: string; readonly logger: Logger; readonly budget: BodyBudget }): Promise<CompatListener> {
  const logger = options.logger.child({ component: 'compat' });
  const listen = port.settings.compatListen;
  const cursor = await ReceiveCursor.open(port, port.settings.account);
  const hub = new ReceiveHub(port, cursor, port.settings.account, logger);
  const context: SendContext = { port, waiter: new SendWaiter(port), logger };
  // gorilla's defaults: 512-byte client frames, no subprotocol, no compression.
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 512, perMessageDeflate: false, clientTracking: false, handleProtocols: () => false });
  const server = http.createServer((request, response) => {
    handle(request, response, context, options).catch((error: unknown) => {
      logger.error({ err: error, path: requestUrl(request.url, 'http://compat')?.pathname }, 'compat request failed');
      if (!response.headersSent) writeAnswer(response, errorAnswer(500, 'internal error; see the tetherd log'));
      else response.destroy();
    });
  });
  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    if (fromBrowser(request)) return void socket.end(rawResponse(403, 'Forbidden', 'application/json; charset=utf-8', FORBIDDEN_BODY));
    const match = RECEIVE_PATH.exec(requestUrl(request.url, 'http://compat')?.pathname ?? '');
    const number = match?.[1] === undefined ? undefined : pathParameter(match[1]);
    if (!authorized(request, options.token)) return void socket.end(rawResponse(401, 'Unauthorized', 'application/json; charset=utf-8', UNAUTHORIZED_BODY));
    if (number === undefined) return void socket.end(rawResponse(404, 'Not Found', 'text/plain; charset=utf-8', '404 page not found'));
    sockets.handleUpgrade(request, socket, head, (webSocket) => hub.attach(webSocket, number));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => resolve());
    });
  } catch (error) {
    context.waiter.close();
    hub.close();
    await cursor.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  return {
    address: { host: address.address, port: address.port },
    close: async () => {
      context.waiter.close();
      hub.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Waiting sends were just answered; whatever is still open gets a moment to flush, then goes.
      setImmediate(() => server.closeAllConnections());
      await closed;
      await cursor.close();
    },
  };
}

/**
 * Clients of this API are programs, not web pages. A browser always sends `Origin` on a WebSocket
 * or cross-site request (WebSockets ignore CORS), and a rebound DNS name shows in `Host`: either
 * would let any page the user visits read incoming messages or send as the account. A program may
 * send an `Origin` too (Python's websocket-client does): the endpoint's own origin is no web page,
 * since the endpoint serves none, so that one is let through.
 */
export function fromBrowser(request: Pick<http.IncomingMessage, 'headers'>): boolean {
  const hostHeader = (request.headers.host ?? '').toLowerCase();
  const host = hostHeader.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (host !== '' && host !== 'localhost' && host !== '::1' && !/^127\.\d+\.\d+\.\d+$/.test(host)) return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    const url = new URL(origin);
    return !((url.protocol === 'http:' || url.protocol === 'ws:') && hostHeader !== '' && url.host.toLowerCase() === hostHeader);
  } catch {
    return true;
  }
}

const FORBIDDEN_BODY = JSON.stringify({ error: 'requests from web pages (an Origin header, or a Host that is not loopback) are refused' });

async function handle(request: http.IncomingMessage, response: http.ServerResponse, context: SendContext, options: { readonly token?: string; readonly budget: BodyBudget }): Promise<void> {
  const { token } = options;
  if (fromBrowser(request)) {
    response.writeHead(403, { 'content-type': 'application/json; charset=utf-8' });
    return void response.end(FORBIDDEN_BODY);
  }
  if (!authorized(request, token)) {
    response.writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer, Basic realm="tetherd"' });
    return void response.end(UNAUTHORIZED_BODY);
  }
  const url = requestUrl(request.url, 'http://compat');
  if (url === undefined) return writeNotFound(response);
  const method = request.method ?? 'GET';
  if (method === 'GET' && RECEIVE_PATH.test(url.pathname)) return writeText(response, 400, NOT_WEBSOCKET);
  const match = matchRoute(method, url.pathname);
  if (match === undefined) return writeNotFound(response);
  if ('malformed' in match) return writeAnswer(response, errorAnswer(400, "Couldn't process request - malformed number"));
  const gone = new AbortController();
  response.on('close', () => gone.abort());
  const reservation = options.budget.open();
  const body = (limit = SMALL_BODY): Promise<string> => readText(request, limit, reservation);
  // Go's decoder replaces invalid UTF-8 with U+FFFD, so the real API takes such bodies
  const json = (limit: number, streamAt: (path: JsonPath) => StringSink | undefined): Promise<unknown> =>
    readJsonStreaming(request, { limitBytes: limit, tooLarge: () => new BodyTooLarge(), reservation, streamAt, invalidUtf8: 'replace' });
  try {
    writeAnswer(response, await runRoute(match, { request, body, json, signal: gone.signal }, context));
  } catch (error) {
    if (AppError.isInstance(error) && error.code === 'busy') {
      response.setHeader('connection', 'close');
      return writeAnswer(response, { ...errorAnswer(503, error.message), headers: { 'retry-after': String(error.retryAfterSeconds ?? 2) } });
    }
    if (!(error instanceof BodyTooLarge)) throw error;
    response.setHeader('connection', 'close');
    writeAnswer(response, errorAnswer(400, "Couldn't process request - the body is larger than TETHER_MAX_ATTACHMENT_MB allows"));
  } finally {
    reservation.release();
  }
}

function rawResponse(status: number, reason: string, type: string, body: string): string {
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}
