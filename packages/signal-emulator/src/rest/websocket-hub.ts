// The receive WebSockets of signal-cli-rest-api (R:src/api/api.go:575-703): one text frame per
// notification to every socket opened for the frame's account, a server ping every interval,
// client frames read and discarded with gorilla's 512-byte limit, and no pong enforcement.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { GatedWriter, type FreezeGate } from '../freeze-gate.js';

type Outgoing = { kind: 'text'; data: string } | { kind: 'pong'; data: Buffer };

interface Client {
  readonly number: string;
  readonly writer: GatedWriter<Outgoing>;
}

export class WebSocketHub {
  readonly #server = new WebSocketServer({
    noServer: true,
    maxPayload: 512,
    // Pongs go through the freeze gate like every other write, so a frozen server stays silent.
    autoPong: false,
    perMessageDeflate: false,
    clientTracking: false,
    // gorilla's default upgrader selects no subprotocol; ws would otherwise pick the first offered.
    handleProtocols: () => false,
  });
  readonly #clients = new Set<Client>();

  constructor(
    private readonly gate: FreezeGate,
    private readonly pingIntervalMs: number,
  ) {}

  get size(): number {
    return this.#clients.size;
  }

  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, number: string): void {
    this.#server.handleUpgrade(request, socket, head, (webSocket) => this.#attach(webSocket, number));
  }

  /** Sends one frame to every socket of `account`; returns how many received it. */
  broadcast(account: string, text: string): number {
    let count = 0;
    for (const client of this.#clients) {
      if (client.number !== account) continue;
      client.writer.send({ kind: 'text', data: text });
      count += 1;
    }
    return count;
  }

  #attach(webSocket: WebSocket, number: string): void {
    const writer = new GatedWriter<Outgoing>(this.gate, (item) => {
      if (webSocket.readyState !== WebSocket.OPEN) return;
      if (item.kind === 'text') webSocket.send(item.data);
      else webSocket.pong(item.data);
    });
    const client: Client = { number, writer };
    this.#clients.add(client);
    const pinger = setInterval(() => {
      if (!this.gate.frozen && webSocket.readyState === WebSocket.OPEN) webSocket.ping();
    }, this.pingIntervalMs);
    webSocket.on('ping', (data: Buffer) => writer.send({ kind: 'pong', data }));
    // An oversized client frame: ws closes with 1009 as gorilla does; nothing else to do here.
    webSocket.on('error', () => undefined);
    webSocket.on('close', () => {
      clearInterval(pinger);
      writer.dispose();
      this.#clients.delete(client);
    });
  }
}
