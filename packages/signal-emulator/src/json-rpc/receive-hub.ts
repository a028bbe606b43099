// Where incoming frames go on the JSON-RPC backend (S:…/DaemonCommand.java, ReceiveMode.java,
// SignalJsonRpcDispatcherHandler.java, lib/…/internal/ManagerImpl.java:1494-1625). Each account
// pulls from "Signal" only while something receives for it; what it pulls goes to every
// subscription covering it, and is lost when that is nobody (on-start's stdout handler).
import type { ReceiveFrame } from '../envelope-types.js';
import { errorCodes, type JsonRpcErrorObject } from '../signal-cli-error.js';
import type { SignalCli } from '../signal-cli.js';

/**
 * signal-cli's `--receive-mode`. `on-start`: every account pulls from daemon start (a non-weak
 * stdout handler) and every connection is auto-subscribed to all accounts. `on-connection`: the
 * same auto-subscription, but pulling starts with it, so nothing is pulled while no connection is
 * open. `manual`: nothing is pulled until `subscribeReceive`.
 */
export type ReceiveMode = 'on-start' | 'on-connection' | 'manual';

export interface HubConnection {
  notify(params: unknown): void;
}

interface Subscription {
  id: number;
  connection: HubConnection;
  /** Auto-subscriptions (on-start, on-connection) send bare params; explicit ones wrap them with their id. */
  internal: boolean;
  /** The accounts it covers: one when `subscribeReceive` named an account, else every account. */
  accounts: ReadonlySet<string>;
}

interface Receiver {
  connection: HubConnection;
  account: string;
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
  /** Frames waiting at "Signal", per account, until that account pulls. */
  readonly #held = new Map<string, ReceiveFrame[]>();

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

  /** A new connection: auto-subscribed to every account unless the daemon runs in manual mode. */
  connect(connection: HubConnection): void {
    if (this.mode === 'manual') return;
    this.#subscriptions.push({ id: this.#nextId++, connection, internal: true, accounts: new Set(this.signalCli.accounts) });
    this.pump();
  }

  /** The connection's handlers are removed (SignalJsonRpcDispatcherHandler.handleConnection's finally). */
  disconnect(connection: HubConnection): void {
    this.#subscriptions = this.#subscriptions.filter((subscription) => subscription.connection !== connection);
    for (const receiver of this.#receivers.filter((candidate) => candidate.connection === connection)) clearTimeout(receiver.timer);
    this.#receivers = this.#receivers.filter((receiver) => receiver.connection !== connection);
  }

  /** `subscribeReceive`: with an account only that one pulls; without, every account does. */
  subscribe(connection: HubConnection, account?: string): number {
    const id = this.#nextId++;
    const accounts = new Set(account === undefined ? this.signalCli.accounts : [account]);
    this.#subscriptions.push({ id, connection, internal: false, accounts });
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

  /** `unsubscribeReceive` with an account but no id: the connection's subscription of that account alone, if any. */
  unsubscribeAccount(connection: HubConnection, account: string): void {
    const index = this.#subscriptions.findIndex(
      (subscription) => subscription.connection === connection && subscription.accounts.size === 1 && subscription.accounts.has(account),
    );
    if (index !== -1) this.#subscriptions.splice(index, 1);
  }

  /**
   * The `receive` method: only while nothing else receives for the account (ReceiveCommand,
   * ManagerImpl.receiveMessages). `maxMessages` 0 or a timeout of 0 return before reading
   * anything (ReceiveHelper.receiveMessagesInternal).
   */
  receive(connection: HubConnection, account: string, timeoutSeconds: number, maxMessages: number): Promise<ReceiveFrame[]> | JsonRpcErrorObject {
    if (this.#pulling(account)) return { code: errorCodes.user, message: alreadyReceiving, data: null };
    if (maxMessages === 0 || timeoutSeconds === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      const receiver: Receiver = {
        connection,
        account,
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
      if (this.#receivers.includes(receiver)) this.#arm(receiver);
    });
  }

  deliver(frame: ReceiveFrame): void {
    if (this.#pulling(frame.account)) this.#route(frame);
    else this.#hold(frame);
  }

  /** Pulls, for every account that receives now, whatever waited at Signal. */
  pump(): void {
    for (const [account, frames] of this.#held) {
      while (frames.length > 0 && this.#pulling(account)) this.#route(frames.shift() as ReceiveFrame);
      if (frames.length === 0) this.#held.delete(account);
    }
  }

  /** Whether the account pulls from Signal now (a non-weak handler or a synchronous receive). */
  #pulling(account: string): boolean {
    if (!this.#running || this.signalCli.state === 'starting') return false;
    if (this.mode === 'on-start') return true;
    return this.#receivers.some((receiver) => receiver.account === account) || this.#subscriptions.some((subscription) => this.#covers(subscription, account));
  }

  /** A frame for an account the daemon does not serve (a raw test frame) reaches every subscription. */
  #covers(subscription: Subscription, account: string): boolean {
    return subscription.accounts.has(account) || !this.signalCli.accounts.includes(account);
  }

  #hold(frame: ReceiveFrame): void {
    const frames = this.#held.get(frame.account) ?? [];
    frames.push(frame);
    this.#held.set(frame.account, frames);
  }

  #route(frame: ReceiveFrame): void {
    const receiver = this.#receivers.find((candidate) => candidate.account === frame.account);
    if (receiver !== undefined) {
      receiver.frames.push(frame);
      if (receiver.max !== undefined && receiver.frames.length >= receiver.max) receiver.finish();
      else this.#arm(receiver);
      return;
    }
    const covering = this.#subscriptions.filter((subscription) => this.#covers(subscription, frame.account));
    // Pulled with nobody to hand it to: on-start's stdout handler took it, and it is acknowledged.
    if (covering.length === 0) {
      this.dropped(frame);
      return;
    }
    for (const { id, connection, internal } of covering) {
      connection.notify(internal ? frame : { subscription: id, result: frame });
    }
  }

  /** signal-cli's receive ends after `timeout` seconds without a new message. */
  #arm(receiver: Receiver): void {
    clearTimeout(receiver.timer);
    if (receiver.timeoutMs >= 0) receiver.timer = setTimeout(receiver.finish, receiver.timeoutMs);
  }
}
