// Listening and tearing down: every accepted socket is tracked so a fault can reset them all at
// once (RST, no close frame) and a stop can drop them like a dying process would.
import type { Server, Socket } from 'node:net';

export const loopback = '127.0.0.1';

export class SocketSet {
  readonly #sockets = new Set<Socket>();

  track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  get size(): number {
    return this.#sockets.size;
  }

  /** TCP reset where the transport allows it; a Unix socket can only be destroyed. */
  resetAll(): void {
    for (const socket of this.#sockets) {
      try {
        socket.resetAndDestroy();
      } catch {
        socket.destroy();
      }
    }
  }

  destroyAll(): void {
    for (const socket of this.#sockets) socket.destroy();
  }
}

export function listen(server: Server, target: { port: number } | { path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    const ready = () => {
      server.off('error', onError);
      resolve();
    };
    if ('path' in target) server.listen(target.path, ready);
    else server.listen(target.port, loopback, ready);
  });
}

/** Stops listening and destroys every open connection at once (no graceful drain: a fault, or the end). */
export function closeServer(server: Server, sockets: SocketSet): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
  });
  sockets.destroyAll();
  return closed;
}

export function boundPort(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server is not listening on TCP');
  return address.port;
}

