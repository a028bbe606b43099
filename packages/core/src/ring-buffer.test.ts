import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RingBuffer, type OverflowPolicy, type PushResult } from './ring-buffer.js';

const POLICIES: readonly OverflowPolicy[] = ['reject', 'drop-oldest', 'drop-newest'];

function filled(capacity: number, items: readonly number[], overflow: OverflowPolicy = 'reject'): RingBuffer<number> {
  const buffer = new RingBuffer<number>(capacity, overflow);
  for (const item of items) buffer.push(item);
  return buffer;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, index) => from + index);

/**
 * Runs `run` while recording every array built with `new Array(…)`: the ring's backing store is
 * one of them, so a test can look inside it without reaching into private fields or relying on
 * garbage collection (WeakRef / FinalizationRegistry tests are not deterministic).
 */
function recordArrays<R>(run: () => R): { result: R; arrays: unknown[][] } {
  const original = globalThis.Array;
  const arrays: unknown[][] = [];
  globalThis.Array = new Proxy(original, {
    construct(target, args: unknown[]) {
      const array = Reflect.construct(target, args) as unknown[];
      arrays.push(array);
      return array;
    },
  });
  try {
    return { result: run(), arrays };
  } finally {
    globalThis.Array = original;
  }
}

describe('RingBuffer construction', () => {
  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('rejects a capacity of %d', (capacity) => {
    expect(() => new RingBuffer(capacity)).toThrow(RangeError);
  });

  it('rejects an unknown overflow policy', () => {
    expect(() => new RingBuffer(4, 'drop-random' as OverflowPolicy)).toThrow(/overflow/);
  });

  it('starts empty and rejects overflow by default', () => {
    const buffer = new RingBuffer<string>(3);
    expect(buffer.capacity).toBe(3);
    expect(buffer.overflow).toBe('reject');
    expect(buffer.length).toBe(0);
    expect(buffer.isFull).toBe(false);
    expect(buffer.peek()).toBeUndefined();
    expect(buffer.shift()).toBeUndefined();
    expect([...buffer]).toEqual([]);
  });

  it('accepts a huge capacity without allocating it up front', () => {
    const buffer = new RingBuffer<number>(Number.MAX_SAFE_INTEGER);
    expect(buffer.push(1)).toEqual({ outcome: 'added' });
    expect([...buffer]).toEqual([1]);
  });
});

describe('RingBuffer capacity', () => {
  it.each([1, 3, 5, 16, 17, 100])('holds exactly %d items, not the next power of two', (capacity) => {
    const buffer = filled(capacity, range(0, capacity));
    expect(buffer.length).toBe(capacity);
    expect(buffer.isFull).toBe(true);
    expect(buffer.push(-1)).toEqual({ outcome: 'rejected', item: -1 });
    expect([...buffer]).toEqual(range(0, capacity));
  });
});

describe('RingBuffer FIFO', () => {
  it('shifts and peeks the oldest item', () => {
    const buffer = filled(4, [1, 2, 3]);
    expect(buffer.peek()).toBe(1);
    expect(buffer.length).toBe(3);
    expect(buffer.shift()).toBe(1);
    expect(buffer.peek()).toBe(2);
    expect(buffer.shift()).toBe(2);
    expect(buffer.shift()).toBe(3);
    expect(buffer.shift()).toBeUndefined();
    expect(buffer.length).toBe(0);
  });

  it('keeps order across many wrap-arounds of the backing array', () => {
    const buffer = new RingBuffer<number>(5);
    const seen: number[] = [];
    for (let item = 0; item < 1_000; item++) {
      expect(buffer.push(item)).toEqual({ outcome: 'added' });
      if (buffer.length === 4) seen.push(buffer.shift()!);
    }
    seen.push(...buffer.drain());
    expect(seen).toEqual(range(0, 1_000));
  });

  it('keeps order when it grows while the head is mid-array', () => {
    const buffer = new RingBuffer<number>(100);
    for (const item of range(0, 16)) buffer.push(item);
    for (let count = 0; count < 10; count++) buffer.shift();
    for (const item of range(16, 60)) buffer.push(item);
    expect([...buffer]).toEqual(range(10, 60));
    expect(buffer.shift()).toBe(10);
    expect(buffer.peek()).toBe(11);
  });

  it('iterates oldest first without consuming', () => {
    const buffer = filled(8, [5, 6, 7]);
    expect([...buffer]).toEqual([5, 6, 7]);
    expect(Array.from(buffer)).toEqual([5, 6, 7]);
    expect(buffer.length).toBe(3);
  });

  it('drains everything oldest first and stays usable', () => {
    const buffer = filled(3, [1, 2, 3]);
    expect(buffer.drain()).toEqual([1, 2, 3]);
    expect(buffer.length).toBe(0);
    expect(buffer.peek()).toBeUndefined();
    expect(buffer.drain()).toEqual([]);
    expect(buffer.push(4)).toEqual({ outcome: 'added' });
    expect([...buffer]).toEqual([4]);
  });
});

describe('RingBuffer overflow', () => {
  it('reject: refuses the new item and hands it back', () => {
    const buffer = filled(2, [1, 2], 'reject');
    expect(buffer.push(3)).toEqual({ outcome: 'rejected', item: 3 });
    expect([...buffer]).toEqual([1, 2]);
  });

  it('drop-oldest: takes the new item and reports the evicted one', () => {
    const buffer = filled(2, [1, 2], 'drop-oldest');
    expect(buffer.push(3)).toEqual({ outcome: 'evicted', evicted: 1 });
    expect(buffer.push(4)).toEqual({ outcome: 'evicted', evicted: 2 });
    expect([...buffer]).toEqual([3, 4]);
    expect(buffer.length).toBe(2);
  });

  it('drop-newest: keeps its contents and reports the dropped item', () => {
    const buffer = filled(2, [1, 2], 'drop-newest');
    expect(buffer.push(3)).toEqual({ outcome: 'dropped', item: 3 });
    expect([...buffer]).toEqual([1, 2]);
  });

  it.each(POLICIES)('%s: accepts again once an item is shifted', (overflow) => {
    const buffer = filled(2, [1, 2], overflow);
    buffer.shift();
    expect(buffer.isFull).toBe(false);
    expect(buffer.push(3)).toEqual({ outcome: 'added' });
    expect([...buffer]).toEqual([2, 3]);
  });
});

describe('RingBuffer keeps no reference to what it gave up', () => {
  const item = (name: string) => ({ name });

  it('a capacity-1 buffer forgets a shifted item', () => {
    const buffer = new RingBuffer<{ name: string }>(1);
    const first = item('first');
    buffer.push(first);
    expect(buffer.shift()).toBe(first);
    expect(buffer.peek()).toBeUndefined();
    expect([...buffer]).toEqual([]);
    const second = item('second');
    buffer.push(second);
    expect([...buffer]).toEqual([second]);
  });

  it('clears the slot of a shifted item', () => {
    const [a, b, c] = [item('a'), item('b'), item('c')];
    const { arrays } = recordArrays(() => {
      const buffer = new RingBuffer<{ name: string }>(4);
      buffer.push(a);
      buffer.push(b);
      buffer.push(c);
      buffer.shift();
    });
    expect(arrays).toHaveLength(1);
    const store = arrays[0]!;
    expect(store).not.toContain(a);
    expect(store).toContain(b);
    expect(store).toContain(c);
  });

  it('clears the slot of an item evicted by drop-oldest', () => {
    const [a, b, c, d] = [item('a'), item('b'), item('c'), item('d')];
    const { arrays } = recordArrays(() => {
      // Capacity 3 sits in 4 slots, so the new item does not simply overwrite the evicted one.
      const buffer = new RingBuffer<{ name: string }>(3, 'drop-oldest');
      for (const entry of [a, b, c, d]) buffer.push(entry);
    });
    const store = arrays.at(-1)!;
    expect(store).not.toContain(a);
    expect(store).toEqual(expect.arrayContaining([b, c, d]));
  });

  it('clears every slot on drain, and keeps nothing shifted after growing', () => {
    const items = range(0, 40).map((index) => item(String(index)));
    const { arrays } = recordArrays(() => {
      const buffer = new RingBuffer<{ name: string }>(64);
      for (const entry of items) buffer.push(entry);
      for (let count = 0; count < 30; count++) buffer.shift();
      return buffer;
    });
    // Grown 16 → 32 → 64: the last array is the live store; it holds exactly the 10 unshifted items.
    const store = arrays.at(-1)!;
    expect(store).toHaveLength(64);
    expect(store.filter((slot) => slot !== undefined)).toEqual(items.slice(30));

    const { arrays: afterDrain } = recordArrays(() => {
      const buffer = new RingBuffer<{ name: string }>(8);
      for (const entry of items.slice(0, 8)) buffer.push(entry);
      buffer.drain();
    });
    expect(afterDrain.at(-1)!.every((slot) => slot === undefined)).toBe(true);
  });
});

type Operation = { kind: 'push'; item: number } | { kind: 'shift' } | { kind: 'peek' } | { kind: 'drain' };

const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 1_000_000 }).map((item) => ({ kind: 'push' as const, item })) },
  { weight: 3, arbitrary: fc.constant({ kind: 'shift' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'peek' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drain' as const }) },
);

/** What a plain array would report for the same push, under the same policy. */
function modelPush(model: number[], capacity: number, overflow: OverflowPolicy, item: number): PushResult<number> {
  if (model.length < capacity) {
    model.push(item);
    return { outcome: 'added' };
  }
  if (overflow === 'reject') return { outcome: 'rejected', item };
  if (overflow === 'drop-newest') return { outcome: 'dropped', item };
  const evicted = model.shift()!;
  model.push(item);
  return { outcome: 'evicted', evicted };
}

describe('RingBuffer property', () => {
  it('behaves like an array model under every overflow policy', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(...POLICIES),
        fc.array(operationArbitrary, { maxLength: 300 }),
        (capacity, overflow, operations) => {
          const buffer = new RingBuffer<number>(capacity, overflow);
          const model: number[] = [];
          for (const operation of operations) {
            switch (operation.kind) {
              case 'push':
                expect(buffer.push(operation.item)).toEqual(modelPush(model, capacity, overflow, operation.item));
                break;
              case 'shift':
                expect(buffer.shift()).toBe(model.shift());
                break;
              case 'peek':
                expect(buffer.peek()).toBe(model[0]);
                break;
              case 'drain':
                expect(buffer.drain()).toEqual(model.splice(0));
                break;
            }
            expect(buffer.length).toBe(model.length);
            expect(buffer.isFull).toBe(model.length === capacity);
            expect([...buffer]).toEqual(model);
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
