// Possible-loss windows: when incoming messages may have been dropped with nobody told. The link
// being down is one cause (the REST API, and signal-cli pushing on-start, drop what arrives while
// nobody is attached; with any backend, what was on the wire when the link broke is gone); a failed
// readiness probe while the link is up is the other (signal-cli restarting behind a live REST
// server). A window runs from the last sign of life to the moment every cause has cleared.
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
  /**
   * The window open since `openSince` continues a previous run of the process: it is kept with
   * any backend, since a message on the wire when that run ended may be gone (signal-cli deletes
   * an envelope once it has written it to the connection). @default false
   */
  readonly openSinceFromPreviousRun?: boolean;
  /** Called when a window closes (for logs, metrics and persistence). */
  readonly onClosed?: (window: Required<LossWindow>) => void;
  /**
   * Called when a window opens or reaches further back, with its start: a process killed while
   * the window is open can start its next life's first window there, so nothing falls between.
   */
  readonly onOpened?: (from: number) => void;
  /**
   * Whether the backend loses what arrives while nobody listens (false for signal-cli in manual
   * mode). A window opened by a lost link or a previous run is kept anyway; the window of a fresh
   * start is kept only if this says yes at its close. @default always
   */
  readonly isLossy?: () => boolean;
}

export class LossWindows {
  readonly #past: RingBuffer<Required<LossWindow>>;
  readonly #clock: Clock;
  readonly #onClosed: (window: Required<LossWindow>) => void;
  readonly #onOpened: (from: number) => void;
  readonly #isLossy: () => boolean;
  /** Start of the open window, if one is open. */
  #from: number | undefined;
  /** Whether the open window is kept whatever the backend (a lost link, a previous run). */
  #keep = false;
  #linkDown: boolean;
  #probeFailing = false;
  #linkUpAt: number | undefined;
  #lastGoodProbe: number | undefined;

  constructor(options: LossWindowOptions) {
    this.#past = new RingBuffer(options.capacity ?? 100, 'drop-oldest');
    this.#clock = options.clock;
    this.#onClosed = options.onClosed ?? (() => {});
    this.#onOpened = options.onOpened ?? (() => {});
    this.#isLossy = options.isLossy ?? (() => true);
    this.#from = options.openSince;
    this.#keep = options.openSince !== undefined && options.openSinceFromPreviousRun === true;
    this.#linkDown = options.openSince !== undefined;
  }

  /** Follows a channel's link. Returns the unsubscribe. */
  follow(channel: Pick<Channel<unknown, unknown>, 'onLinkChange' | 'connection'>): () => void {
    return channel.onLinkChange((change) => {
      const wasUp = change.from === 'connected' || change.from === 'syncing';
      const isUp = change.to === 'connected' || change.to === 'syncing';
      if (wasUp && !isUp) {
        this.#linkDown = true;
        this.#linkUpAt = undefined;
        // Anything after the last sign of life may have gone, on any backend: signal-cli counts a
        // message written into a connection that then broke as delivered.
        this.#open(Math.min(channel.connection.lastActivityAt ?? change.at, change.at), true);
      }
      if (!wasUp && isUp) {
        this.#linkDown = false;
        this.#linkUpAt = change.at;
        this.#closeIfClear(change.at);
      }
    });
  }

  /**
   * One readiness probe's answer. A failure while the link is up opens a window from the start of
   * the last probe that succeeded (or the link's coming up, if later); a success closes it.
   * `startedAt` is when the probe was sent (default: now).
   */
  probed(ready: boolean, startedAt?: number): void {
    const now = this.#clock.now();
    if (ready) {
      this.#lastGoodProbe = Math.max(this.#lastGoodProbe ?? -Infinity, startedAt ?? now);
      if (!this.#probeFailing) return;
      this.#probeFailing = false;
      this.#closeIfClear(now);
      return;
    }
    if (this.#linkUpAt === undefined || this.#probeFailing) return;
    this.#probeFailing = true;
    this.#open(Math.max(this.#lastGoodProbe ?? this.#linkUpAt, this.#linkUpAt), this.#isLossy());
  }

  /** Every kept window, oldest first, the open one (if any) last. */
  list(): LossWindow[] {
    const past: LossWindow[] = [...this.#past];
    return this.#from === undefined ? past : [...past, { from: this.#from }];
  }

  #open(from: number, keep: boolean): void {
    this.#keep ||= keep;
    if (this.#from === undefined) {
      this.#from = from;
    } else if (from < this.#from) {
      this.#from = from;
    } else {
      return;
    }
    this.#onOpened(this.#from);
  }

  #closeIfClear(at: number): void {
    if (this.#from === undefined || this.#linkDown || this.#probeFailing) return;
    const window = { from: this.#from, to: at };
    const keep = this.#keep || this.#isLossy();
    this.#from = undefined;
    this.#keep = false;
    if (!keep) return;
    this.#past.push(window);
    this.#onClosed(window);
  }
}
