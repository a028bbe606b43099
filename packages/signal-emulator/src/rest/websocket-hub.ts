// The receive WebSockets of signal-cli-rest-api (R:src/api/api.go:575-703): one text frame per
// notification to every socket opened for the frame's account, a server ping every interval,
// client frames read and discarded with gorilla's 512-byte limit, and no pong enforcement. With
// slow writes, a frame for a socket still writing the previous one is dropped (drop-on-busy).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { GatedWriter, type FreezeGate } from '../freeze-gate.js';

type Outgoing = { kind: 'text'; data: string; written: () => void } | { kind: 'pong'; data: Buffer };

interface Client {
  readonly number: string;
  readonly writer: GatedWriter<Outgoing>;
  /** A text frame is on its way out and has not been written yet. */
  writing: boolean;
}

/** What became of one broadcast frame. */
export interface BroadcastResult {
  /** Sockets the frame was handed to. */
  delivered: number;
  /** Sockets that dropped it because their previous write had not finished. */
  busy: number;
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
  /** How long each text frame keeps its socket busy (the slowSocketWrites fault); 0 = as fast as the socket allows. */
  slowWritesMs = 0;

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

  /**
   * Sends one frame to every socket of `account`. Each socket has an unbuffered Go channel that
   * the JSON-RPC reader feeds with a non-blocking send (R:src/client/jsonrpc2.go:240-249): while
   * its goroutine is still writing the previous frame (R:src/api/api.go:607-617), the frame is
   * dropped for that socket. Only the slowSocketWrites fault makes writes take long enough to meet it.
   */
  broadcast(account: string, text: string): BroadcastResult {
    const result = { delivered: 0, busy: 0 };
    for (const client of this.#clients) {
      if (client.number !== account) continue;
      if (this.slowWritesMs > 0 && client.writing) {
        result.busy += 1;
        continue;
      }
      result.delivered += 1;
      if (this.slowWritesMs === 0) {
        client.writer.send({ kind: 'text', data: text, written: () => undefined });
        continue;
      }
      // The frame goes out now; the goroutine stays in WriteMessage for the fault's duration.
      client.writing = true;
      const busyFor = this.slowWritesMs;
      const written = (): void => {
        setTimeout(() => (client.writing = false), busyFor).unref();
      };
      client.writer.send({ kind: 'text', data: text, written });
    }
    return result;
  }

  #attach(webSocket: WebSocket, number: string): void {
    const writer = new GatedWriter<Outgoing>(this.gate, (item) => {
      if (webSocket.readyState !== WebSocket.OPEN) {
        if (item.kind === 'text') item.written();
        return;
      }
      if (item.kind === 'text') webSocket.send(item.data, () => item.written());
      else webSocket.pong(item.data);
    });
    const client: Client = { number, writer, writing: false };
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
