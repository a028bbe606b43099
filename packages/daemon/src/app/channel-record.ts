// What the daemon keeps of the channel's life: every link change and gate change becomes a logged
// event (one id sequence with incoming events and the message events the store logs with each
// change) and a metric; a captcha or rate-limit pause is remembered across a restart (resuming
// would only hammer Signal again).
import type { Channel, Clock, GateState, Logger } from '@tether/core';
import type { IncomingEvent, OutgoingMessage } from '@tether/signal-transport';
import type { EventLog } from './event-log.js';
import type { MetaStore, MetricsPort } from './ports.js';

const GATE_KEY = 'send_gate';

export interface ChannelRecordOptions {
  readonly channel: Channel<OutgoingMessage, IncomingEvent>;
  readonly events: EventLog;
  readonly meta: MetaStore;
  readonly metrics: Pick<MetricsPort, 'link' | 'gate'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Starts recording; returns the function that stops it. */
export function recordChannel(options: ChannelRecordOptions): () => void {
  const { channel, events, meta, metrics, clock, logger } = options;
  const failed = (what: string) => (error: unknown) => logger.error({ err: error }, `${what} could not be recorded`);
  const log = (kind: 'state' | 'gate', data: unknown): void => void events.append(kind, clock.now(), data).catch(failed(`a ${kind} event`));
  const stops = [
    channel.onLinkChange((change) => {
      metrics.link(change);
      log('state', { from: change.from, to: change.to, attempt: change.attempt, delayMs: change.delayMs, cause: change.cause, at: new Date(change.at).toISOString() });
    }),
    channel.onGateChange((change) => {
      metrics.gate(change);
      const to = change.to;
      log('gate', { state: to.state, ...(to.state === 'paused' ? { reason: to.reason, until: to.until && new Date(to.until).toISOString(), challengeToken: to.challengeToken } : {}), cause: change.cause });
      const lasting = to.state === 'paused' && (to.reason === 'captcha-required' || to.reason === 'rate-limited');
      void Promise.resolve(meta.set(GATE_KEY, lasting ? JSON.stringify(to) : 'open')).catch(failed('the send gate'));
    }),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}

/** Puts back a captcha or rate-limit pause that was in force when the daemon stopped. */
export async function restoreGate(channel: Pick<Channel<unknown, unknown>, 'gate'>, meta: MetaStore, now: number): Promise<void> {
  const saved = await meta.get(GATE_KEY);
  if (!saved || saved === 'open') return;
  const gate = JSON.parse(saved) as Extract<GateState, { state: 'paused' }>;
  const error = gate.error ?? 'paused before the restart';
  if (gate.reason === 'captcha-required') channel.gate.pause('captcha-required', { error, ...(gate.challengeToken ? { challengeToken: gate.challengeToken } : {}) });
  else if (gate.reason === 'rate-limited' && gate.until !== undefined && gate.until > now) channel.gate.pause('rate-limited', { error, retryAfterMs: gate.until - now });
}
