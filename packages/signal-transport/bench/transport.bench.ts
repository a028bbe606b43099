// Transport benchmarks (DECISIONS.md §10), each against a baseline measured in the same run:
// - drain-10k-vs-fetch: messages/s through the whole outbox (channel, gate, REST transport) to the
//   emulator, against a bare sequential fetch loop posting the same messages to the same emulator.
// - reconnect-vs-schedule: time from the backend's return to `connected`, against the delay the
//   backoff had scheduled for the next attempt from that moment.
import { MemoryOutboxStore } from '@tether/core';
import { figure, median, writeResults } from '@tether/config/bench';
import { startEmulator } from '@tether/signal-emulator';
import { createSignalChannel, type OutgoingMessage } from '../src/index.js';

const ACCOUNT = '+4915112345678';
const FRIEND = '+4915187654321';
const COUNT = 10_000;
const ROUNDS = 3;

async function fetchLoop(url: string): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < COUNT; index++) {
    const response = await fetch(`${url}/v2/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ number: ACCOUNT, recipients: [FRIEND], message: `fetch ${index}` }),
    });
    await response.text();
    if (response.status !== 201) throw new Error(`fetch baseline got ${response.status}`);
  }
  return COUNT / ((performance.now() - started) / 1000);
}

async function outboxDrain(url: string): Promise<number> {
  const store = new MemoryOutboxStore<OutgoingMessage>();
  const signal = createSignalChannel({ url, account: ACCOUNT, store, heartbeatIntervalMs: 60_000 });
  signal.channel.start();
  await new Promise<void>((resolve) => signal.channel.onLinkChange((change) => change.to === 'connected' && resolve()));
  let remaining = COUNT;
  const done = new Promise<void>((resolve) =>
    signal.channel.onMessageChange((record) => {
      if (record.state === 'sent' && --remaining === 0) resolve();
    }),
  );
  const started = performance.now();
  for (let index = 0; index < COUNT; index++) signal.channel.send({ recipients: [FRIEND], message: `outbox ${index}` });
  await done;
  const rate = COUNT / ((performance.now() - started) / 1000);
  await signal.close();
  return rate;
}

async function drain(): Promise<{ value: number; baseline: number }> {
  const values: number[] = [];
  const baselines: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const emulator = await startEmulator({ account: ACCOUNT });
    baselines.push(await fetchLoop(emulator.restUrl!));
    values.push(await outboxDrain(emulator.restUrl!));
    await emulator.close();
  }
  return { value: median(values), baseline: median(baselines) };
}

async function reconnect(): Promise<{ value: number; baseline: number }> {
  const emulator = await startEmulator({ account: ACCOUNT });
  const scheduledMs = 400;
  const signal = createSignalChannel({
    url: emulator.restUrl!,
    account: ACCOUNT,
    backoff: { initialMs: scheduledMs, factor: 1, maxMs: scheduledMs, jitter: 'none' },
    heartbeatIntervalMs: 60_000,
  });
  const channel = signal.channel;
  const reach = (state: string) => new Promise<void>((resolve) => { const stop = channel.onLinkChange((change) => { if (change.to === state) { stop(); resolve(); } }); });
  channel.start();
  await reach('connected');
  const values: number[] = [];
  const baselines: number[] = [];
  for (let round = 0; round < 5; round++) {
    const down = reach('disconnected');
    await emulator.stop();
    await down; // waiting scheduledMs for the next attempt, which fails, and so on
    const state = channel.connection.state;
    if (state.kind !== 'disconnected') throw new Error('expected disconnected');
    await emulator.restart();
    const back = performance.now();
    const nextAttemptIn = Math.max(0, state.nextAttemptAt - Date.now());
    await reach('connected');
    values.push(performance.now() - back);
    baselines.push(nextAttemptIn);
  }
  await signal.close();
  await emulator.close();
  return { value: median(values), baseline: median(baselines) };
}

const drained = await drain();
const reconnected = await reconnect();
const figures = {
  'drain-10k-vs-fetch': figure(drained.value, drained.baseline, 'messages/s', 'higher'),
  'reconnect-vs-schedule': figure(reconnected.value, reconnected.baseline, 'ms', 'lower', 1),
};
const file = writeResults('signal-transport', figures);
for (const [name, result] of Object.entries(figures)) {
  console.log(`${name.padEnd(24)} ${String(result.value).padStart(8)} ${result.unit.padEnd(11)} baseline ${String(result.baseline).padStart(8)}  ratio ${result.ratio}`);
}
console.log(`written to ${file}`);
