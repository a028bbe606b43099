// A minimal Prometheus text exposition of the daemon's state: link and gate state, outbox depth
// and age, incoming counters and subscribers.
import type { Gateway } from '../gateway.js';

const LINK_STATES = ['connecting', 'syncing', 'connected', 'disconnected', 'reconnecting', 'closed'] as const;
const GATE_REASONS = ['rate-limited', 'captcha-required', 'backend-not-ready', 'send-timeout'] as const;

export function renderMetrics(gateway: Gateway): string {
  const status = gateway.status();
  const counters = gateway.counters();
  const lines: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: [string, number][]): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };
  metric('tether_link_state', 'gauge', 'The receive link state (1 for the current one).', LINK_STATES.map((state) => [`{state="${state}"}`, status.state === state ? 1 : 0]));
  metric('tether_gate_paused', 'gauge', 'Whether the send gate is paused, by reason.', GATE_REASONS.map((reason) => [`{reason="${reason}"}`, status.gate.reason === reason ? 1 : 0]));
  metric('tether_outbox_messages', 'gauge', 'Messages in the outbox by state.', [
    ['{state="queued"}', status.outbox.queued],
    ['{state="sending"}', status.outbox.sending],
    ['{state="failed"}', status.outbox.failed],
    ['{state="unknown"}', status.outbox.unknown],
  ]);
  const oldest = status.outbox.oldestQueuedAt ? (Date.now() - Date.parse(status.outbox.oldestQueuedAt)) / 1000 : 0;
  metric('tether_outbox_oldest_queued_seconds', 'gauge', 'Age of the oldest queued message.', [['', oldest]]);
  metric('tether_loss_windows', 'gauge', 'Possible-loss windows kept (REST backend).', [['', status.lossWindows.length]]);
  metric('tether_incoming_events_total', 'counter', 'Incoming events committed to the spool.', [['', counters['incoming'] ?? 0]]);
  metric('tether_incoming_duplicates_total', 'counter', 'Incoming duplicates dropped.', [['', counters['duplicates'] ?? 0]]);
  metric('tether_incoming_not_allowed_total', 'counter', 'Incoming events dropped by TETHER_ALLOW_FROM.', [['', counters['notAllowed'] ?? 0]]);
  metric('tether_event_subscribers', 'gauge', 'Connected event-stream subscribers.', [['', counters['subscribers'] ?? 0]]);
  return `${lines.join('\n')}\n`;
}
