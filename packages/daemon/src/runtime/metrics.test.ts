// Prometheus rendering: gauges that mirror status are read from one status snapshot per scrape,
// counters follow the events the daemon reports, and the exposition names every series a
// dashboard needs (DECISIONS.md §10 lists what is measured).
import type { GateChange, LinkChange, SendOutcomeEvent } from '@tether/core';
import { describe, expect, it } from 'vitest';
import type { Status } from '../protocol/index.js';
import { Metrics } from './metrics.js';

const status = (overrides: Partial<Status> = {}): Status => ({
  state: 'connected',
  since: new Date(0).toISOString(),
  attempt: 0,
  backend: { kind: 'rest', url: 'http://x', receive: 'best-effort' },
  gate: { state: 'paused', reason: 'rate-limited' },
  outbox: { queued: 3, sending: 1, failed: 2, unknown: 0, oldestQueuedAt: new Date(Date.now() - 10_000).toISOString() },
  lossWindows: [],
  account: '+4915112345678',
  pid: 1,
  startedAt: new Date(0).toISOString(),
  ...overrides,
});

const line = (text: string, series: string): number => {
  const found = text.split('\n').find((each) => each.startsWith(`${series} `));
  if (found === undefined) throw new Error(`no series ${series} in\n${text}`);
  return Number(found.slice(series.length + 1));
};

describe('Metrics', () => {
  it('mirrors the status of the moment of the scrape', async () => {
    const metrics = new Metrics();
    let reads = 0;
    metrics.attach({ status: async () => (reads++, status()), subscribers: () => 4 });
    const { contentType, body } = await metrics.render();
    expect(reads).toBe(1);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(line(body, 'tether_link_state{state="connected"}')).toBe(1);
    expect(line(body, 'tether_link_state{state="disconnected"}')).toBe(0);
    expect(line(body, 'tether_gate_paused{reason="rate-limited"}')).toBe(1);
    expect(line(body, 'tether_gate_paused{reason="captcha-required"}')).toBe(0);
    expect(line(body, 'tether_outbox_messages{state="queued"}')).toBe(3);
    expect(line(body, 'tether_outbox_messages{state="failed"}')).toBe(2);
    expect(line(body, 'tether_outbox_oldest_queued_seconds')).toBeGreaterThanOrEqual(10);
    expect(line(body, 'tether_event_subscribers')).toBe(4);
  });

  it('reports zeros before it is attached and without a queue', async () => {
    const bare = new Metrics();
    const { body } = await bare.render();
    expect(line(body, 'tether_event_subscribers')).toBe(0);
    expect(line(body, 'tether_outbox_oldest_queued_seconds')).toBe(0);
    const idle = new Metrics();
    idle.attach({ status: async () => status({ gate: { state: 'open' }, outbox: { queued: 0, sending: 0, failed: 0, unknown: 0 } }), subscribers: () => 0 });
    expect(line((await idle.render()).body, 'tether_outbox_oldest_queued_seconds')).toBe(0);
  });

  it('counts reconnects, loss windows, outcomes with latency, pauses, incoming, drops and webhooks', async () => {
    const metrics = new Metrics();
    metrics.attach({ status: async () => status(), subscribers: () => 0 });
    metrics.link({ to: 'reconnecting' } as LinkChange);
    metrics.link({ to: 'connected' } as LinkChange);
    metrics.lossWindow({ from: 1_000, to: 4_000 });
    metrics.outcome({ id: 'm1', outcome: { kind: 'sent', backendId: '1' }, durationMs: 200 } as SendOutcomeEvent);
    metrics.outcome({ id: 'm2', outcome: { kind: 'failed', error: 'x' }, durationMs: 20 } as SendOutcomeEvent);
    metrics.gate({ from: { state: 'paused', reason: 'send-timeout', since: 0 }, to: { state: 'open', since: 5_000 } } as GateChange);
    metrics.gate({ from: { state: 'open', since: 5_000 }, to: { state: 'paused', reason: 'rate-limited', since: 6_000 } } as GateChange);
    metrics.incoming('message');
    metrics.dropped('duplicate');
    metrics.webhook('dead-letter');
    const { body } = await metrics.render();
    expect(line(body, 'tether_reconnects_total')).toBe(1);
    expect(line(body, 'tether_loss_windows_total')).toBe(1);
    expect(line(body, 'tether_loss_window_seconds_total')).toBe(3);
    expect(line(body, 'tether_send_outcomes_total{class="sent"}')).toBe(1);
    expect(line(body, 'tether_send_duration_seconds_bucket{le="0.25",class="sent"}')).toBe(1);
    expect(line(body, 'tether_send_duration_seconds_bucket{le="0.1",class="sent"}')).toBe(0);
    expect(line(body, 'tether_gate_paused_seconds_total{reason="send-timeout"}')).toBe(5);
    expect(line(body, 'tether_incoming_events_total{kind="message"}')).toBe(1);
    expect(line(body, 'tether_incoming_dropped_total{reason="duplicate"}')).toBe(1);
    expect(line(body, 'tether_webhook_deliveries_total{result="dead-letter"}')).toBe(1);
  });

  it('scrapes one at a time, each with its own snapshot, and recovers from a failing one', async () => {
    const metrics = new Metrics();
    let calls = 0;
    metrics.attach({
      status: async () => {
        calls++;
        if (calls === 1) throw new Error('database is locked');
        return status({ state: calls === 2 ? 'syncing' : 'disconnected' });
      },
      subscribers: () => 0,
    });
    const [first, second, third] = await Promise.allSettled([metrics.render(), metrics.render(), metrics.render()]);
    expect(first.status).toBe('rejected');
    expect(line((second as PromiseFulfilledResult<{ body: string }>).value.body, 'tether_link_state{state="syncing"}')).toBe(1);
    expect(line((third as PromiseFulfilledResult<{ body: string }>).value.body, 'tether_link_state{state="disconnected"}')).toBe(1);
  });
});
