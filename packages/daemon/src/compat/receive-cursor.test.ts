// Where compat receive clients resume: kept per account, starting at the newest spooled event on
// first use, moving only forward, with writes coalesced per turn and a failed write tried again.
import { describe, expect, it } from 'vitest';
import { ReceiveCursor } from './receive-cursor.js';

function meta(initial: Record<string, string> = {}) {
  const values = new Map(Object.entries(initial));
  const writes: string[] = [];
  let failNext = false;
  return {
    values,
    writes,
    fail: () => void (failNext = true),
    port: {
      meta: {
        get: async (key: string) => values.get(key),
        set: async (key: string, value: string) => {
          if (failNext) {
            failNext = false;
            throw new Error('database or disk is full');
          }
          writes.push(value);
          values.set(key, value);
        },
      },
      events: { lastId: async () => 17 } as never,
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('ReceiveCursor', () => {
  it('starts at the newest incoming event on first use, and remembers it', async () => {
    const store = meta();
    const cursor = await ReceiveCursor.open(store.port, '+49');
    expect(cursor.value).toBe(17);
    expect(store.values.get('compat-receive-cursor:+49')).toBe('17');
  });

  it('resumes where it was, moves only forward, and writes once per turn', async () => {
    const store = meta({ 'compat-receive-cursor:+49': '5', 'compat-receive-cursor:+1': 'garbage' });
    const cursor = await ReceiveCursor.open(store.port, '+49');
    expect(cursor.value).toBe(5);
    expect(cursor.advance(4)).toBe(false);
    expect(cursor.advance(6)).toBe(true);
    expect(cursor.advance(9)).toBe(true);
    await turn();
    await cursor.close();
    expect(store.writes).toEqual(['9']);
    expect((await ReceiveCursor.open(store.port, '+1')).value).toBe(17);
  });

  it('survives a failed write: the next advance writes the newest value', async () => {
    const store = meta({ 'compat-receive-cursor:+49': '1' });
    const cursor = await ReceiveCursor.open(store.port, '+49');
    store.fail();
    cursor.advance(2);
    await turn();
    await cursor.close();
    expect(store.writes).toEqual([]);
    cursor.advance(3);
    await cursor.close();
    expect(store.values.get('compat-receive-cursor:+49')).toBe('3');
  });
});
