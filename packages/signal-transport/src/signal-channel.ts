// A ready-made channel for one Signal account: the transport the URL names, core's reconnect
// loop, send gate and outbox with the backend's backoff preset, and (REST) loss windows.
import { Channel, MemoryOutboxStore, systemClock, type ChannelOptions, type OutboxStore } from '@tether/core';
import { backoffFor, createSignalTransport, type SignalTransport, type SignalTransportOptions } from './create.js';
import { LossWindows, type LossWindow } from './loss-windows.js';
import type { IncomingEvent, OutgoingMessage } from './wire/index.js';

export interface SignalChannelOptions extends SignalTransportOptions, Omit<ChannelOptions<OutgoingMessage, IncomingEvent>, 'transport' | 'store' | 'logger'> {
  /** @default an in-memory store */
  readonly store?: OutboxStore<OutgoingMessage>;
  /** Start of the first loss window (REST). @default now */
  readonly lossWindowSince?: number;
  /** Called when a loss window closes (REST), e.g. to persist it. */
  readonly onLossWindowClosed?: (window: Required<LossWindow>) => void;
}

export interface SignalChannel {
  readonly channel: Channel<OutgoingMessage, IncomingEvent>;
  readonly transport: SignalTransport;
  /** REST and JSON-RPC `on-start`; undefined for JSON-RPC `manual`, which loses nothing. */
  readonly lossWindows: LossWindows | undefined;
  close(options?: { readonly graceMs?: number }): Promise<void>;
}

export const SIGNAL_CHANNEL_DEFAULTS = Object.freeze({ probeIntervalMs: 30_000 });

export function createSignalChannel(options: SignalChannelOptions): SignalChannel {
  const { url, account, receiveMode, logger, store, lossWindowSince, onLossWindowClosed, ...channelOptions } = options;
  const transport = createSignalTransport({ url, account, ...(receiveMode ? { receiveMode } : {}), ...(logger ? { logger } : {}) });
  const clock = options.clock ?? systemClock;
  const channel = new Channel<OutgoingMessage, IncomingEvent>({
    probeIntervalMs: SIGNAL_CHANNEL_DEFAULTS.probeIntervalMs,
    backoff: backoffFor(transport),
    ...channelOptions,
    ...(logger ? { logger } : {}),
    transport,
    store: store ?? new MemoryOutboxStore<OutgoingMessage>(),
  });
  // REST drops what arrives while no WebSocket is attached; so does signal-cli in on-start mode
  // while no client is connected. Only manual mode keeps messages queued at Signal.
  const lossy = transport.kind === 'signal-rest' || receiveMode === 'on-start';
  const lossWindows = lossy ? new LossWindows({ clock, openSince: lossWindowSince ?? clock.now(), ...(onLossWindowClosed ? { onClosed: onLossWindowClosed } : {}) }) : undefined;
  lossWindows?.follow(channel);
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
