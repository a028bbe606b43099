// The admin API on its own port: used when the REST backend is disabled (JSON-RPC only), and it
// survives stop() of the backends, so a test can stop and start them from outside.
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { writeJson } from '../rest/http-io.js';
import { boundPort, closeServer, listen, SocketSet } from '../sockets.js';
import type { AdminHandler } from './admin-api.js';

export class AdminServer {
  readonly #sockets = new SocketSet();
  #server: Server | undefined;
  #port = 0;

  constructor(private readonly handler: AdminHandler) {}

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async start(port: number): Promise<void> {
    const server = createServer((request, response) => {
      if (request.url?.startsWith('/_emulator/')) void this.handler(request, response);
      else writeJson(response, 404, { error: 'the admin API lives under /_emulator/' }, { Connection: 'close' });
    });
    server.on('connection', (socket: Socket) => this.#sockets.track(socket));
    await listen(server, { port });
    this.#port = boundPort(server);
    this.#server = server;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    await closeServer(server, this.#sockets);
  }
}
