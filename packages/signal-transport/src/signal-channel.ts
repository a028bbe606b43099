// A ready-made channel for one Signal account: the transport the URL names, core's reconnect
// loop, send gate and outbox with the backend's backoff preset, and the loss windows: link gaps
// and, on REST, failed readiness probes while the link is up.
import { Channel, MemoryOutboxStore, systemClock, type ChannelOptions, type OutboxStore } from '@tether/core';
import { backoffFor, createSignalTransport, type SignalTransport, type SignalTransportOptions } from './create.js';
import { LossWindows, type LossWindow } from './loss-windows.js';
import type { IncomingEvent, OutgoingMessage } from './wire/index.js';

export interface SignalChannelOptions extends Omit<SignalTransportOptions, 'probeIntervalMs' | 'clock'>, Omit<ChannelOptions<OutgoingMessage, IncomingEvent>, 'transport' | 'store' | 'logger'> {
  /** @default an in-memory store */
  readonly store?: OutboxStore<OutgoingMessage>;
  /**
   * Start of the first loss window: where a previous run of the process was last known alive.
   * That window is kept with any backend. @default now, a fresh start (kept only where the backend drops what arrives while nobody listens)
   */
  readonly lossWindowSince?: number;
  /** Called when a loss window closes, e.g. to persist it. */
  readonly onLossWindowClosed?: (window: Required<LossWindow>) => void;
  /** Called with the start of the open loss window whenever it opens or reaches further back, e.g. to persist it. */
  readonly onLossWindowOpened?: (from: number) => void;
}

export interface SignalChannel {
  readonly channel: Channel<OutgoingMessage, IncomingEvent>;
  readonly transport: SignalTransport;
  /** Where incoming messages may have been lost; windows of signal-cli in manual mode are not kept. */
  readonly lossWindows: LossWindows;
  close(options?: { readonly graceMs?: number }): Promise<void>;
}

/** `probeIntervalMs`: readiness probes while the link is up (TETHER_PROBE_INTERVAL_MS). */
export const SIGNAL_CHANNEL_DEFAULTS = Object.freeze({ probeIntervalMs: 5_000 });

export function createSignalChannel(options: SignalChannelOptions): SignalChannel {
  const { url, account, receiveMode, logger, readBlob, store, lossWindowSince, onLossWindowClosed, onLossWindowOpened, ...channelOptions } = options;
  const probeIntervalMs = channelOptions.probeIntervalMs ?? SIGNAL_CHANNEL_DEFAULTS.probeIntervalMs;
  const clock = options.clock ?? systemClock;
  const transport = createSignalTransport({ url, account, probeIntervalMs, clock, ...(receiveMode ? { receiveMode } : {}), ...(logger ? { logger } : {}), ...(readBlob ? { readBlob } : {}) });
  const channel = new Channel<OutgoingMessage, IncomingEvent>({
    backoff: backoffFor(transport),
    ...channelOptions,
    probeIntervalMs,
    ...(logger ? { logger } : {}),
    transport,
    store: store ?? new MemoryOutboxStore<OutgoingMessage>(),
  });
  // The REST API drops what arrives while no WebSocket is attached, signal-cli pushing on-start
  // what arrives while no client is connected; only manual mode keeps messages waiting at Signal,
  // and even there a message on the wire when a link or a run ended may be gone.
  const lossWindows = new LossWindows({
    clock,
    openSince: lossWindowSince ?? clock.now(),
    openSinceFromPreviousRun: lossWindowSince !== undefined,
    isLossy: () => transport.info.receive === 'best-effort',
    ...(onLossWindowClosed ? { onClosed: onLossWindowClosed } : {}),
    ...(onLossWindowOpened ? { onOpened: onLossWindowOpened } : {}),
  });
  lossWindows.follow(channel);
  if (transport.kind === 'signal-rest') transport.onProbe(({ ready, startedAt }) => lossWindows.probed(ready, startedAt));
  return {
    channel,
    transport,
    lossWindows,
    close: async (closeOptions) => {
      await channel.close(closeOptions);
      if (transport.kind === 'signal-rest') transport.dispose();
    },
  };
}
