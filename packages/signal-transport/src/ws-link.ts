// The REST backend's receive link: one WebSocket on /v1/receive/{account}. Client pings prove
// the REST process and the network are alive (signal-cli's own death is the probe's job); every
// frame, ping and pong counts as activity.
import type { Link, LinkClosed } from '@tether/core';
import type WebSocket from 'ws';

const TERMINATE_AFTER_MS = 1_000;

export class WebSocketLink implements Link {
  readonly closed: Promise<LinkClosed>;
  readonly #socket: WebSocket;
  #closedByClient = false;
  #error: Error | undefined;

  constructor(socket: WebSocket, onActivity: () => void, onFrame: (data: string) => void) {
    this.#socket = socket;
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        if (this.#closedByClient) return resolve({ reason: 'closed-by-client' });
        const text = reason.toString('utf8');
        const error = this.#error ?? new Error(`WebSocket closed with code ${code}${text ? ` (${text})` : ''}`);
        resolve({ reason: this.#error ? 'error' : 'closed-by-peer', error });
      });
    });
    socket.on('error', (error) => (this.#error ??= error));
    socket.on('ping', onActivity);
    socket.on('pong', onActivity);
    socket.on('message', (data, isBinary) => {
      onActivity();
      if (!isBinary) onFrame(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString());
    });
  }

  ping(): void {
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.ping();
  }

  close(): void {
    if (this.#closedByClient) return;
    this.#closedByClient = true;
    if (this.#socket.readyState === this.#socket.CLOSED) return;
    this.#socket.close(1000);
    // a frozen peer never completes the closing handshake
    setTimeout(() => this.#socket.terminate(), TERMINATE_AFTER_MS).unref();
  }
}
