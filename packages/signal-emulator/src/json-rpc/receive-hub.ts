// Where incoming frames go on the JSON-RPC backend (S:…/DaemonCommand.java, ReceiveMode.java,
// SignalJsonRpcDispatcherHandler.java). `on-start`: every connection is auto-subscribed and a frame
// that finds no connection is lost. `manual`: nothing is pulled until someone subscribes, so frames
// wait at "Signal" and go to the next subscriber: the lossless path.
import type { ReceiveFrame } from '../envelope-types.js';
import { errorCodes, type JsonRpcErrorObject } from '../signal-cli-error.js';
import type { SignalCli } from '../signal-cli.js';

export type ReceiveMode = 'on-start' | 'manual';

export interface HubConnection {
  notify(params: unknown): void;
}

interface Subscription {
  id: number;
  connection: HubConnection;
  /** Auto-subscriptions (on-start) send bare params; explicit ones wrap them with their id. */
  internal: boolean;
}

interface Receiver {
  connection: HubConnection;
  frames: ReceiveFrame[];
  max: number | undefined;
  timeoutMs: number;
  timer: NodeJS.Timeout | undefined;
  finish(): void;
}

const alreadyReceiving = 'Receive command cannot be used if messages are already being received.';

export class ReceiveHub {
  #running = false;
  #nextId = 0;
  #subscriptions: Subscription[] = [];
  #receivers: Receiver[] = [];
  #held: ReceiveFrame[] = [];

  constructor(
    readonly mode: ReceiveMode,
    private readonly signalCli: SignalCli,
    private readonly dropped: (frame: ReceiveFrame) => void,
  ) {}

  get subscriptions(): number {
    return this.#subscriptions.length;
  }

  /** A new daemon process: subscription ids start again at 0 (a static counter in signal-cli). */
  start(): void {
    this.#running = true;
    this.#nextId = 0;
    this.pump();
  }

  stop(): void {
    this.#running = false;
    this.#subscriptions = [];
    for (const receiver of this.#receivers) clearTimeout(receiver.timer);
    this.#receivers = [];
  }

  connect(connection: HubConnection): void {
    if (this.mode === 'on-start') this.#subscriptions.push({ id: this.#nextId++, connection, internal: true });
  }

  disconnect(connection: HubConnection): void {
    this.#subscriptions = this.#subscriptions.filter((subscription) => subscription.connection !== connection);
    for (const receiver of this.#receivers.filter((candidate) => candidate.connection === connection)) {
      clearTimeout(receiver.timer);
    }
    this.#receivers = this.#receivers.filter((receiver) => receiver.connection !== connection);
  }

  subscribe(connection: HubConnection): number {
    const id = this.#nextId++;
    this.#subscriptions.push({ id, connection, internal: false });
    // After the answer with the id has been written, pull whatever waited at Signal.
    setImmediate(() => this.pump());
    return id;
  }

  unsubscribe(connection: HubConnection, id: number): boolean {
    const index = this.#subscriptions.findIndex((subscription) => subscription.connection === connection && subscription.id === id);
    if (index === -1) return false;
    this.#subscriptions.splice(index, 1);
    return true;
  }

  /** The `receive` method: only possible while nothing else is receiving (manual mode, idle). */
  receive(connection: HubConnection, timeoutSeconds: number, maxMessages: number): Promise<ReceiveFrame[]> | JsonRpcErrorObject {
    if (this.mode === 'on-start' || this.#subscriptions.length > 0 || this.#receivers.length > 0) {
      return { code: errorCodes.user, message: alreadyReceiving, data: null };
    }
    return new Promise((resolve) => {
      const receiver: Receiver = {
        connection,
        frames: [],
        max: maxMessages < 0 ? undefined : maxMessages,
        timeoutMs: timeoutSeconds < 0 ? -1 : Math.floor(timeoutSeconds * 1000),
        timer: undefined,
        finish: () => {
          clearTimeout(receiver.timer);
          this.#receivers = this.#receivers.filter((candidate) => candidate !== receiver);
          resolve(receiver.frames);
        },
      };
      this.#receivers.push(receiver);
      this.pump();
      if (receiver.max === 0) receiver.finish();
      else if (this.#receivers.includes(receiver)) this.#arm(receiver);
    });
  }

  deliver(frame: ReceiveFrame): void {
    if (!this.#running || this.signalCli.state === 'starting') {
      this.#held.push(frame);
      return;
    }
    this.#route(frame);
  }

  pump(): void {
    if (!this.#running || this.signalCli.state === 'starting') return;
    while (this.#held.length > 0 && (this.mode === 'on-start' || this.#subscriptions.length > 0 || this.#receivers.length > 0)) {
      this.#route(this.#held.shift() as ReceiveFrame);
    }
  }

  #route(frame: ReceiveFrame): void {
    const receiver = this.#receivers[0];
    if (receiver !== undefined) {
      receiver.frames.push(frame);
      if (receiver.max !== undefined && receiver.frames.length >= receiver.max) receiver.finish();
      else this.#arm(receiver);
      return;
    }
    if (this.#subscriptions.length === 0) {
      if (this.mode === 'on-start') this.dropped(frame);
      else this.#held.push(frame);
      return;
    }
    for (const { id, connection, internal } of this.#subscriptions) {
      connection.notify(internal ? frame : { subscription: id, result: frame });
    }
  }

  /** signal-cli's receive ends after `timeout` seconds without a new message. */
  #arm(receiver: Receiver): void {
    clearTimeout(receiver.timer);
    if (receiver.timeoutMs >= 0) receiver.timer = setTimeout(receiver.finish, receiver.timeoutMs);
  }
}
