// gorilla/websocket's upgrade checks, in its order, with its texts: the REST server answers a
// failed handshake with "Bad Request\n" from gorilla followed by gin's JSON error, as text/plain.
import type { IncomingMessage } from 'node:http';

export interface HandshakeFailure {
  status: number;
  body: string;
}

const prefix = 'websocket: the client is not using the websocket protocol: ';

export function handshakeFailure(request: IncomingMessage): HandshakeFailure | undefined {
  if (!hasToken(request.headers.connection, 'upgrade')) return failure(400, `${prefix}'upgrade' token not found in 'Connection' header`);
  if (!hasToken(request.headers.upgrade, 'websocket')) return failure(400, `${prefix}'websocket' token not found in 'Upgrade' header`);
  if (request.method !== 'GET') return failure(405, `${prefix}request method is not GET`);
  if (request.headers['sec-websocket-version'] !== '13') {
    return failure(400, "websocket: unsupported version: 13 not found in 'Sec-Websocket-Version' header");
  }
  const key = request.headers['sec-websocket-key'];
  if (typeof key !== 'string' || Buffer.from(key, 'base64').length !== 16) {
    return failure(400, "websocket: not a websocket handshake: 'Sec-WebSocket-Key' header must be Base64 encoded value of 16-byte in length");
  }
  return undefined;
}

export const handshakeHeaders = {
  'Content-Type': 'text/plain; charset=utf-8',
  'Sec-Websocket-Version': '13',
  'X-Content-Type-Options': 'nosniff',
} as const;

/** The raw HTTP answer for a failed handshake that arrived as an `upgrade` event. */
export function rawHandshakeResponse(failed: HandshakeFailure): string {
  const reason = failed.status === 405 ? 'Method Not Allowed' : 'Bad Request';
  const headers = Object.entries(handshakeHeaders).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return `HTTP/1.1 ${failed.status} ${reason}\r\n${headers}Content-Length: ${Buffer.byteLength(failed.body)}\r\nConnection: close\r\n\r\n${failed.body}`;
}

function failure(status: number, reason: string): HandshakeFailure {
  const text = status === 405 ? 'Method Not Allowed' : 'Bad Request';
  return { status, body: `${text}\n${JSON.stringify({ error: reason })}` };
}

function hasToken(header: string | string[] | undefined, token: string): boolean {
  const values = Array.isArray(header) ? header : [header ?? ''];
  return values.some((value) => value.split(',').some((part) => part.trim().toLowerCase() === token));
}
