// Scraping /metrics after a scripted scenario shows every family with the right values.
import { startEmulator } from '@tether/signal-emulator';
import { afterEach, expect, it } from 'vitest';
import type { Message } from '../src/protocol/index.js';
import { FRIEND, Tetherd, tempDir } from './tetherd.js';

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((entry) => entry.startsWith(`${name}${labels} `));
  if (!line) throw new Error(`no sample ${name}${labels} in\n${text}`);
  return Number(line.split(' ').at(-1));
}

it('reports link, gate, reconnects, loss windows, outbox, outcomes, latency, pauses, incoming and subscribers', async () => {
  const emulator = await startEmulator({ account: '+4915112345678' });
  running.push({ stop: () => emulator.close() });
  const tetherd = new Tetherd(tempDir(), { TETHER_SIGNAL_URL: emulator.restUrl! });
  running.push({ stop: () => tetherd.kill() });
  await tetherd.ready();
  const stream = tetherd.events('?kinds=state,gate,message', '0');
  const reach = (predicate: (event: { event: string; data: Record<string, unknown> }) => boolean, what: string) => stream.until((events) => events.some(predicate), what);
  await reach((event) => event.data['to'] === 'connected', 'connected');

  const post = async (text: string) => (await tetherd.request<Message>('POST', '/v1/messages', { recipients: [FRIEND], message: text })).body;
  const sent = [await post('one'), await post('two')];
  emulator.failNextSends(1, { status: 400, body: { error: 'Failed to send message due to untrusted identities' } });
  const failed = await post('three');
  for (const message of [...sent, failed]) await reach((event) => event.data['id'] === message.id && ['sent', 'failed'].includes(String(event.data['state'])), `message ${message.id}`);

  const envelope = emulator.inject({ from: FRIEND, text: 'hi' });
  emulator.redeliver(envelope.timestamp);
  emulator.injectTyping({ from: FRIEND });
  const incoming = tetherd.events('?kinds=incoming', '0');
  await incoming.until((events) => events.length === 2, 'two incoming events');

  await emulator.stop();
  await reach((event) => event.data['to'] === 'reconnecting', 'a reconnect attempt');
  await emulator.restart();
  const reconnected = stream.events.length;
  await stream.until((events) => events.slice(reconnected).some((event) => event.data['to'] === 'connected' || event.data['to'] === 'syncing'), 'back up');

  emulator.rateLimitNextSends(1);
  await post('limited');
  await reach((event) => event.event === 'gate' && event.data['reason'] === 'rate-limited', 'rate-limit pause');

  const metrics = (await tetherd.request<string>('GET', '/metrics')).body;
  expect(sample(metrics, 'tether_link_state', '{state="connected"}') + sample(metrics, 'tether_link_state', '{state="syncing"}')).toBe(1);
  expect(sample(metrics, 'tether_link_state', '{state="disconnected"}')).toBe(0);
  expect(sample(metrics, 'tether_gate_paused', '{reason="rate-limited"}')).toBe(1);
  expect(sample(metrics, 'tether_gate_paused', '{reason="captcha-required"}')).toBe(0);
  expect(sample(metrics, 'tether_reconnects_total')).toBeGreaterThanOrEqual(1);
  expect(sample(metrics, 'tether_loss_windows_total')).toBeGreaterThanOrEqual(2); // the start, and the outage
  expect(sample(metrics, 'tether_loss_window_seconds_total')).toBeGreaterThan(0);
  expect(sample(metrics, 'tether_outbox_messages', '{state="queued"}')).toBe(1);
  expect(sample(metrics, 'tether_outbox_messages', '{state="failed"}')).toBe(1);
  expect(sample(metrics, 'tether_outbox_oldest_queued_seconds')).toBeGreaterThanOrEqual(0);
  expect(sample(metrics, 'tether_send_outcomes_total', '{class="sent"}')).toBe(2);
  expect(sample(metrics, 'tether_send_outcomes_total', '{class="failed"}')).toBe(1);
  expect(sample(metrics, 'tether_send_outcomes_total', '{class="rate-limited"}')).toBe(1);
  expect(sample(metrics, 'tether_send_duration_seconds_count', '{class="sent"}')).toBe(2);
  expect(metrics).toMatch(/tether_gate_paused_seconds_total/);
  expect(sample(metrics, 'tether_incoming_events_total', '{kind="message"}')).toBe(1);
  expect(sample(metrics, 'tether_incoming_events_total', '{kind="typing"}')).toBe(1);
  expect(sample(metrics, 'tether_incoming_dropped_total', '{reason="duplicate"}')).toBe(1);
  expect(sample(metrics, 'tether_event_subscribers')).toBe(2);
  stream.close();
  incoming.close();
});
