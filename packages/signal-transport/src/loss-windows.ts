// Possible-loss windows of the REST backend: signal-cli-rest-api drops every incoming message
// that arrives while no WebSocket client is attached. A window opens at the last sign of life
// before the link was lost (anything after it may have gone) and closes when the link is back.
import { RingBuffer, type Channel, type Clock } from '@tether/core';

export interface LossWindow {
  readonly from: number;
  /** Absent while the window is still open. */
  readonly to?: number;
}

export interface LossWindowOptions {
  readonly clock: Clock;
  /** How many past windows are kept. @default 100 */
  readonly capacity?: number;
  /**
   * Open a window from this time until the first connect (e.g. when the daemon was last known
   * connected, or its start): the backend drops messages while nobody is attached.
   */
  readonly openSince?: number;
  /** Called when a window closes (for logs, metrics and persistence). */
  readonly onClosed?: (window: Required<LossWindow>) => void;
}

export class LossWindows {
  readonly #past: RingBuffer<Required<LossWindow>>;
  readonly #onClosed: (window: Required<LossWindow>) => void;
  #open: number | undefined;

  constructor(options: LossWindowOptions) {
    this.#past = new RingBuffer(options.capacity ?? 100, 'drop-oldest');
    this.#open = options.openSince;
    this.#onClosed = options.onClosed ?? (() => {});
  }

  /** Follows a channel's link. Returns the unsubscribe. */
  follow(channel: Pick<Channel<unknown, unknown>, 'onLinkChange' | 'connection'>): () => void {
    return channel.onLinkChange((change) => {
      const wasUp = change.from === 'connected' || change.from === 'syncing';
      const isUp = change.to === 'connected' || change.to === 'syncing';
      if (wasUp && !isUp && this.#open === undefined) this.#open = Math.min(channel.connection.lastActivityAt ?? change.at, change.at);
      if (!wasUp && isUp && this.#open !== undefined) {
        const window = { from: this.#open, to: change.at };
        this.#open = undefined;
        this.#past.push(window);
        this.#onClosed(window);
      }
    });
  }

  /** Every kept window, oldest first, the open one (if any) last. */
  list(): LossWindow[] {
    const past: LossWindow[] = [...this.#past];
    return this.#open === undefined ? past : [...past, { from: this.#open }];
  }
}
