// A client of the REST receive WebSocket that queues frames, pings and the close, for tests.
import WebSocket from 'ws';
import { AsyncQueue } from './queue.js';

export interface ReceiveSocket {
  readonly socket: WebSocket;
  readonly frames: AsyncQueue<Record<string, unknown>>;
  readonly pings: AsyncQueue<Buffer>;
  readonly closed: Promise<{ code: number; reason: string }>;
}

export async function openReceiveSocket(
  restUrl: string,
  number: string,
  options: { autoPong?: boolean } = {},
): Promise<ReceiveSocket> {
  const socket = new WebSocket(`${restUrl.replace(/^http/, 'ws')}/v1/receive/${encodeURIComponent(number)}`, {
    autoPong: options.autoPong ?? true,
  });
  const frames = new AsyncQueue<Record<string, unknown>>();
  const pings = new AsyncQueue<Buffer>();
  socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>));
  socket.on('ping', (data: Buffer) => pings.push(data));
  socket.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.once('close', (code: number, reason: Buffer) => {
      frames.close(new Error(`socket closed ${code}`));
      resolve({ code, reason: reason.toString('utf8') });
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) => reject(new Error(`handshake failed: ${response.statusCode}`)));
    socket.once('error', reject);
  });
  return { socket, frames, pings, closed };
}
