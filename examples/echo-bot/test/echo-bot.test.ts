// The echo bot end to end: 100 messages through the emulator (signal-cli's lossless manual mode)
// while tetherd is SIGKILLed and restarted on the same state directory half-way; the emulator's
// own record must hold 100 replies, each exactly once, to the right sender with the right text.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Message, type TetherClient } from '@tether/client';
import { runEchoBot } from '../src/echo-bot.js';
import { startDaemon, type Daemon } from './tetherd.js';

const ALICE = { from: '+15555550100', fromName: 'Alice' };
let daemon: Daemon;
let client: TetherClient;

beforeAll(async () => {
  daemon = await startDaemon();
  client = createClient({ socket: daemon.socket });
});
afterAll(async () => {
  await client?.close();
  await daemon?.close();
});

describe('the echo bot', () => {
  it('answers 100 messages exactly once across a tetherd SIGKILL and restart', async () => {
    const texts = Array.from({ length: 100 }, (_, index) => `echo ${index + 1}`);
    const replies: Message[] = [];
    let onReply: (() => void) | undefined;
    // The bot starts at the event log's present position, so no message injected below can be
    // missed, however long its own subscription takes to open.
    const present = client.incoming();
    await present.ready();
    const since = present.lastEventId;
    present.close();
    const stop = new AbortController();
    const bot = runEchoBot(client, {
      since,
      signal: stop.signal,
      onReplied: (_eventId, reply) => {
        replies.push(reply);
        onReply?.();
      },
    });
    const replied = (count: number): Promise<void> =>
      new Promise((resolve) => {
        onReply = () => replies.length >= count && resolve();
        onReply();
      });
    for (const text of texts.slice(0, 50)) daemon.emulator.inject({ ...ALICE, text });
    await replied(50);
    // Every reply so far is with Signal before tetherd dies, so nothing is in flight to it.
    await Promise.all(replies.map((reply) => client.waitFor(reply.id)));
    await daemon.kill();
    // These reach signal-cli while tetherd is down; in manual mode it holds them for tetherd.
    for (const text of texts.slice(50)) daemon.emulator.inject({ ...ALICE, text });
    await daemon.start();
    await replied(100);
    await Promise.all(replies.map((reply) => client.waitFor(reply.id, { signal: AbortSignal.timeout(20_000) })));
    stop.abort();
    await bot;

    const records = daemon.emulator.sent();
    expect(records).toHaveLength(100);
    for (const text of texts) {
      expect(records.filter((record) => record.message === text && record.recipients.includes(ALICE.from)), text).toHaveLength(1);
    }
    expect(replies.every((reply) => reply.ambiguous === false)).toBe(true);
  });
});

describe('tether-echo-bot (the process)', () => {
  it('answers, saves its cursor, resumes after it, and exits 0 on SIGINT', async () => {
    const cursor = path.join(path.dirname(daemon.socket), 'cursor');
    const first = startBot(cursor);
    await first.line(/listening on .*resuming after nothing yet/);
    daemon.emulator.inject({ ...ALICE, text: 'from the process' });
    const answered = await first.line(/answered event (\d+) with message/);
    expect(await first.stop()).toBe(0);
    const eventId = /answered event (\d+)/.exec(answered)![1]!;
    expect(readFileSync(cursor, 'utf8')).toBe(eventId);
    expect(daemon.emulator.sent().filter((record) => record.message === 'from the process')).toHaveLength(1);

    const second = startBot(cursor);
    await second.line(new RegExp(`resuming after ${eventId}`));
    daemon.emulator.inject({ ...ALICE, text: 'while it ran again' });
    await second.line(/answered event/);
    expect(await second.stop()).toBe(0);
    expect(second.output().join('\n')).not.toMatch(/from the process|while it ran again|\+1555/);
  });
});

/** The built bot as a child process, with its output lines. */
function startBot(cursor: string) {
  const child = spawn(process.execPath, [fileURLToPath(new URL('../dist/main.js', import.meta.url)), cursor], {
    env: { PATH: process.env['PATH'] ?? '', TETHER_SOCKET: daemon.socket },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (text) => {
      lines.push(text);
      for (const waiter of waiters) waiter();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    output: () => lines,
    line: (pattern: RegExp): Promise<string> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(() => reject(new Error(`no line matching ${pattern}:\n${lines.join('\n')}`))), 20_000);
        const check = (): void => {
          const found = lines.find((text) => pattern.test(text));
          if (found !== undefined) finish(() => resolve(found));
        };
        const finish = (settle: () => void): void => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      }),
    stop: (): Promise<number | null> => {
      child.kill('SIGINT');
      return exited;
    },
  };
}
