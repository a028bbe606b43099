// The compat receive WebSocket, fed from the durable inbound spool instead of a live fan-out:
// each client reads the log from where compat clients last left off, one page in flight at a time
// (a slow client costs no memory and never slows the daemon), in the exact upstream frame shape.
// A ping carrying the last event id written confirms, by its pong, what the client has read.
import type { Logger } from '@tether/core';
import { WebSocket } from 'ws';
import type { Disposer } from '@tether/core';
import type { CompatPort } from './port.js';
import type { ReceiveCursor } from './receive-cursor.js';

const PAGE = 100;

interface Client {
  readonly socket: WebSocket;
  /** Only sockets opened for our account get frames; others stay open and silent, as upstream. */
  readonly live: boolean;
  /** The newest event id written to this socket (or skipped). */
  lastId: number;
  inFlight: number;
  /** A page is being read from the log. */
  reading: boolean;
  /** An event came in while reading: look again once done. */
  again: boolean;
  /** The id carried by the ping whose pong has not come back yet. */
  pinged: number | undefined;
  readonly keepalive: NodeJS.Timeout;
}

export class ReceiveHub {
  readonly #clients = new Set<Client>();
  readonly #unsubscribe: Disposer;

  constructor(
    private readonly port: Pick<CompatPort, 'events'>,
    private readonly cursor: ReceiveCursor,
    private readonly account: string,
    private readonly logger: Logger,
    /** Upstream pings every 54 s (R:src/api/api.go pingPeriod). */
    private readonly pingIntervalMs = 54_000,
  ) {
    this.#unsubscribe = port.events.logged((event) => {
      if (event.kind === 'incoming') for (const client of this.#clients) void this.#pump(client);
    });
  }

  attach(socket: WebSocket, number: string): void {
    const client: Client = {
      socket,
      live: number === this.account,
      lastId: this.cursor.value,
      inFlight: 0,
      reading: false,
      again: false,
      pinged: undefined,
      keepalive: setInterval(() => this.#keepalive(client), this.pingIntervalMs),
    };
    this.#clients.add(client);
    this.logger.info({ clients: this.#clients.size, resumeAfter: client.live ? client.lastId : undefined }, 'compat receive socket opened');
    socket.on('pong', (data: Buffer) => this.#onPong(client, data));
    // Client frames are read and discarded; one over 512 bytes closes the socket (ws: 1009), as upstream.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(client.keepalive);
      this.#clients.delete(client);
      this.logger.info({ clients: this.#clients.size }, 'compat receive socket closed');
    });
    void this.#pump(client);
  }

  /** Closes every socket with 1001 (going away); the cursor keeps what they confirmed. */
  close(): void {
    this.#unsubscribe();
    for (const client of this.#clients) {
      clearInterval(client.keepalive);
      client.socket.close(1001, 'tetherd is stopping');
    }
    this.#clients.clear();
  }

  async #pump(client: Client): Promise<void> {
    if (client.reading) {
      client.again = true;
      return;
    }
    if (!client.live || client.inFlight > 0 || client.socket.readyState !== WebSocket.OPEN) return;
    client.reading = true;
    client.again = false;
    try {
      for (;;) {
        const page = await this.port.events.after(client.lastId, PAGE, 'incoming');
        if (client.socket.readyState !== WebSocket.OPEN) return;
        if (page.length === 0) return this.#ping(client);
        for (const event of page) {
          client.lastId = event.id;
          const frame = upstreamFrame(event.data);
          if (frame === undefined) continue;
          client.inFlight++;
          client.socket.send(frame, (error) => {
            client.inFlight--;
            // A failed write means the socket is going away; its close event cleans up.
            if (!error && client.inFlight === 0) void this.#pump(client);
          });
        }
        if (client.inFlight > 0) return;
      }
    } catch (error) {
      this.logger.error({ err: error }, 'compat receive could not read the spool; the socket resumes with the next event');
    } finally {
      client.reading = false;
      if (client.again) void this.#pump(client);
    }
  }

  #ping(client: Client): void {
    if (client.pinged !== undefined || client.lastId <= this.cursor.value) return;
    client.pinged = client.lastId;
    client.socket.ping(String(client.lastId));
  }

  #onPong(client: Client, data: Buffer): void {
    const id = Number(data.toString('utf8'));
    if (data.length === 0 || !Number.isSafeInteger(id) || id !== client.pinged) return;
    client.pinged = undefined;
    if (this.cursor.advance(id)) this.logger.debug({ cursor: id }, 'compat receive cursor confirmed');
    this.#ping(client);
  }

  #keepalive(client: Client): void {
    if (client.socket.readyState !== WebSocket.OPEN) return;
    if (client.pinged === undefined && client.lastId > this.cursor.value) this.#ping(client);
    else client.socket.ping();
  }
}

/** `{envelope, account}` (plus `exception` when signal-cli could not handle it), as upstream sends. */
export function upstreamFrame(data: string): string | undefined {
  const event = JSON.parse(data) as { raw?: unknown; account?: unknown; exception?: unknown };
  // Events spooled before the raw envelope was kept cannot be rebuilt exactly; they are skipped.
  if (typeof event.raw !== 'object' || event.raw === null) return undefined;
  return JSON.stringify({ envelope: event.raw, account: event.account, ...(event.exception === undefined ? {} : { exception: event.exception }) });
}
