// Event subscriptions against the real tetherd on signal-cli's lossless JSON-RPC path: replay and
// filters, and a consumer that sees tetherd SIGKILLed and restarted twice and still gets every
// incoming event exactly once, in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, UnreachableError, type EventOf, type EventSubscription } from '../src/index.js';
import { ALICE, startStack, type Stack } from './helpers/stack.js';

let stack: Stack;
let injected = 0;

beforeAll(async () => {
  stack = await startStack({ backend: 'jsonrpc' });
  await stack.waitForLink('connected');
});
afterAll(() => stack?.close());

/** Injects texts `${prefix} N` for the next `count` numbers; returns them. */
function inject(count: number): string[] {
  return Array.from({ length: count }, () => {
    const text = `message ${++injected}`;
    stack.emulator.inject({ ...ALICE, text });
    return text;
  });
}

/** Resolves once tetherd has spooled `count` incoming events (read back from its log, from the start). */
async function spooled(count: number): Promise<void> {
  let seen = 0;
  await using replay = stack.client.incoming({ since: 'all', signal: AbortSignal.timeout(20_000), waitForDaemon: true });
  for await (const _event of replay) if (++seen >= count) return;
  throw new Error(`tetherd spooled ${seen} of ${count} incoming events in time`);
}

/** Pulls `count` events from an iterator the test keeps across restarts. */
async function take(iterator: AsyncIterator<EventOf<'incoming'>>, count: number): Promise<EventOf<'incoming'>[]> {
  const taken: EventOf<'incoming'>[] = [];
  while (taken.length < count) {
    const next = await iterator.next();
    if (next.done === true) throw new Error('the subscription ended');
    taken.push(next.value);
  }
  return taken;
}

const texts = (events: readonly EventOf<'incoming'>[]): (string | null)[] => events.map((event) => (event.data.kind === 'message' ? event.data.text : null));

describe('incoming across daemon restarts', () => {
  it('delivers every incoming event exactly once and in order while tetherd is SIGKILLed and restarted twice', async () => {
    const reconnected: (string | undefined)[] = [];
    const subscription: EventSubscription<EventOf<'incoming'>> = stack.client.incoming({ onReconnected: ({ since }) => reconnected.push(since) });
    await subscription.ready();
    const iterator = subscription[Symbol.asyncIterator]();
    const expected = inject(10);
    // A slow consumer: three read, seven spooled and waiting when tetherd dies.
    const received = await take(iterator, 3);
    await spooled(injected);
    await stack.daemon.restart('SIGKILL');
    // These reach signal-cli while tetherd is down; manual receive mode holds them for it.
    expected.push(...inject(10));
    received.push(...(await take(iterator, 10)));
    await spooled(injected);
    await stack.daemon.restart('SIGKILL');
    expected.push(...inject(10));
    received.push(...(await take(iterator, expected.length - received.length)));
    subscription.close();

    expect(texts(received)).toEqual(expected);
    const ids = received.map((event) => BigInt(event.id));
    expect(ids.every((id, index) => index === 0 || id > ids[index - 1]!)).toBe(true);
    expect(reconnected.length).toBeGreaterThanOrEqual(2);
    expect(subscription.lastEventId).toBe(received.at(-1)!.id);
  });
});

describe('events', () => {
  it('replays from the start with since "all", after an id with since ID, and keeps to the kinds asked for', async () => {
    await stack.waitForLink('connected');
    const end = BigInt((await latestId())!);
    const kinds = new Set<string>();
    let lastIncoming: EventOf<'incoming'> | undefined;
    let lastState = '';
    await using everything = stack.client.events({ since: 'all' });
    for await (const event of everything) {
      kinds.add(event.kind);
      if (event.kind === 'incoming') lastIncoming = event;
      if (event.kind === 'state') lastState = event.id;
      if (BigInt(event.id) >= end) break;
    }
    expect(kinds).toEqual(new Set(['state', 'incoming']));
    const onlyStates = new Set<string>();
    await using states = stack.client.events({ kinds: ['state'], since: 'all' });
    for await (const event of states) {
      onlyStates.add(event.kind);
      if (event.id === lastState) break;
    }
    expect(onlyStates).toEqual(new Set(['state']));
    const after = inject(1);
    await using resumed = stack.client.incoming({ since: lastIncoming!.id });
    const [next] = await take(resumed[Symbol.asyncIterator](), 1);
    expect(texts([next!])).toEqual(after);
    expect(BigInt(next!.id)).toBeGreaterThan(BigInt(lastIncoming!.id));
  });

  it('waits for a daemon that is not up yet when asked to, and fails at once otherwise', async () => {
    await stack.daemon.kill('SIGKILL');
    const impatient = stack.client.events();
    await expect(impatient.ready()).rejects.toSatisfy((error) => UnreachableError.isInstance(error) && !error.connected);
    const patient = stack.client.incoming({ waitForDaemon: true });
    const first = patient[Symbol.asyncIterator]().next();
    await stack.daemon.start();
    await patient.ready();
    const [text] = inject(1);
    expect(texts([(await first).value as EventOf<'incoming'>])).toEqual([text]);
    await patient[Symbol.asyncDispose]();
  });

  it('finds nobody on a socket where no tetherd listens', async () => {
    await using client = createClient({ socket: `${stack.dir}/nobody.sock` });
    const error: unknown = await client.status().catch((caught: unknown) => caught);
    expect(UnreachableError.isInstance(error) && error).toMatchObject({ connected: false, ambiguous: false, systemCode: 'ENOENT', target: `${stack.dir}/nobody.sock` });
  });
});

/** The newest event id tetherd has logged (the position a live subscription starts from). */
async function latestId(): Promise<string | undefined> {
  await using live = stack.client.events();
  await live.ready();
  return live.lastEventId;
}
