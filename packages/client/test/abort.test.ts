// Aborting every kind of call leaves nothing open: the resources keeping Node's event loop alive
// (process.getActiveResourcesInfo) are the same after an aborted request, event stream, settled
// wait and backoff wait as before. close() and `await using` end whatever is still running.
import { getEventListeners } from 'node:events';
import http from 'node:http';
import { AbortedError } from '@tether/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClosedError, createClient, UnreachableError, type TetherClient } from '../src/index.js';
import { FRIEND, startStack, type Stack } from './helpers/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
  await stack.waitForLink('connected');
});
afterAll(() => stack?.close());

/** Resolves once tetherd counts at least `count` event-stream subscribers (its /metrics gauge). */
async function subscribers(count: number): Promise<void> {
  for (;;) {
    const text = await new Promise<string>((resolve, reject) => {
      http.get({ socketPath: stack.socket, path: '/metrics' }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve(body));
      }).on('error', reject);
    });
    if (Number(/^tether_event_subscribers (\d+)$/m.exec(text)?.[1] ?? 0) >= count) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** How many resources of each type keep the event loop alive. */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

/** Resolves once nothing is open beyond `before`; destroyed sockets close a few event-loop turns later. */
async function backTo(before: Map<string, number>): Promise<void> {
  for (let turn = 0; turn < 100; turn++) {
    const extra = [...resources()].filter(([name, count]) => count > (before.get(name) ?? 0));
    if (extra.length === 0) return;
    if (turn === 99) expect(Object.fromEntries(extra)).toEqual({});
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Runs `start` with a fresh client and a signal, aborts once `started` resolves, and checks what is left. */
async function abortAndCheck(start: (client: TetherClient, signal: AbortSignal) => { readonly call: Promise<unknown>; readonly started: Promise<unknown> }): Promise<unknown> {
  const client = createClient({ socket: stack.socket });
  await client.status();
  const before = resources();
  const stop = new AbortController();
  const { call, started } = start(client, stop.signal);
  const outcome = call.then(
    (value: unknown) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await started;
  stop.abort(new Error('the test gave up'));
  const result = await outcome;
  await backTo(before);
  await client.close();
  return 'error' in result ? result.error : result.value;
}

describe('aborting', () => {
  it('a request tetherd is not answering (frozen with SIGSTOP) rejects with AbortedError and leaves no socket', async () => {
    try {
      const error = await abortAndCheck((client, signal) => {
        stack.daemon.pause(true);
        const call = client.status({ signal });
        return { call, started: Promise.resolve() };
      });
      expect(AbortedError.isInstance(error) && (error.cause as Error).message).toBe('the test gave up');
    } finally {
      stack.daemon.pause(false);
    }
  });

  it('a call past its deadline (tetherd frozen) fails as unreachable, and leaves no socket', async () => {
    const client = createClient({ socket: stack.socket, requestTimeoutMs: 200 });
    await client.status();
    const before = resources();
    stack.daemon.pause(true);
    try {
      const error: unknown = await client.status().catch((caught: unknown) => caught);
      expect(UnreachableError.isInstance(error) && error).toMatchObject({ connected: true, ambiguous: false, message: expect.stringContaining('did not answer within 200 ms') as string });
      await backTo(before);
    } finally {
      stack.daemon.pause(false);
      await client.close();
    }
  });

  it('an event stream waiting for its next event ends the iteration and closes the connection', async () => {
    const result = await abortAndCheck((client, signal) => {
      const subscription = client.events({ signal });
      const call = (async () => {
        for await (const _event of subscription) return 'an event';
        return 'ended';
      })();
      return { call, started: subscription.ready() };
    });
    expect(result).toBe('ended');
  });

  it('a settled() wait rejects with AbortedError and closes its shared stream', async () => {
    await stack.emulator.stop();
    try {
      await stack.waitForLink('disconnected');
      const message = await stack.client.send({ recipients: [FRIEND], message: 'waits while Signal is down' });
      const error = await abortAndCheck((client, signal) => {
        const call = client.waitFor(message.id, { signal });
        // Once tetherd counts the wait's stream and answers a read sent after the wait's own, the
        // wait is past its read and only listens.
        return { call, started: subscribers(1).then(() => client.message(message.id)) };
      });
      expect(AbortedError.isInstance(error)).toBe(true);
    } finally {
      await stack.emulator.restart();
      // The in-process emulator's own sockets and timers must be settled before the next count.
      await stack.waitForLink('connected');
    }
  });

  it('a send waiting for tetherd to come back stops its backoff timer', async () => {
    const error = await abortAndCheck((client, signal) => {
      const away = createClient({ socket: `${stack.dir}/nobody.sock` });
      const call = away.send({ recipients: [FRIEND], message: 'never sent' }, { signal, waitForDaemon: true }).finally(() => away.close());
      return { call, started: away.status().catch(() => undefined) };
    });
    expect(AbortedError.isInstance(error)).toBe(true);
  });

  it('an already aborted signal rejects without a request', async () => {
    const before = resources();
    const error: unknown = await stack.client.status({ signal: AbortSignal.abort() }).catch((caught: unknown) => caught);
    expect(AbortedError.isInstance(error)).toBe(true);
    await backTo(before);
  });
});

describe('a long-lived signal', () => {
  it('holds no listener once the calls, streams and waits given it are over', async () => {
    const shared = new AbortController().signal;
    await Promise.all(Array.from({ length: 20 }, () => stack.client.status({ signal: shared })));
    await stack.client.message('no-such-message', { signal: shared }).catch(() => undefined);
    const sent = await stack.client.send({ recipients: [FRIEND], message: 'with a shared signal' }, { signal: shared });
    await sent.settled({ signal: shared });
    const stream = stack.client.events({ signal: shared });
    await stream.ready();
    stream.close();
    expect(getEventListeners(shared, 'abort')).toHaveLength(0);
  });
});

describe('close()', () => {
  it('aborts calls in flight, ends subscriptions, and refuses new calls', async () => {
    const client = createClient({ socket: stack.socket });
    const subscription = client.incoming();
    await subscription.ready();
    const iteration = (async () => {
      for await (const _event of subscription) return 'an event';
      return 'ended';
    })();
    stack.daemon.pause(true);
    try {
      const pending = client.status();
      await client.close();
      const error: unknown = await pending.catch((caught: unknown) => caught);
      expect(AbortedError.isInstance(error) && ClosedError.isInstance(error.cause)).toBe(true);
    } finally {
      stack.daemon.pause(false);
    }
    expect(await iteration).toBe('ended');
    await expect(client.status()).rejects.toSatisfy(ClosedError.isInstance);
    expect(() => client.events()).toThrow(ClosedError);
  });

  it('runs at the end of an `await using` block', async () => {
    const before = resources();
    let escaped: TetherClient | undefined;
    {
      await using client = createClient({ socket: stack.socket });
      escaped = client;
      await client.status();
      await client.events().ready();
    }
    await expect(escaped.status()).rejects.toSatisfy(ClosedError.isInstance);
    await backTo(before);
  });
});
