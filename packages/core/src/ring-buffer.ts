// A FIFO queue of fixed capacity with O(1) push, shift and peek. The backing array is a power of
// two (index arithmetic by mask) and grows by doubling up to the capacity, so a big, mostly empty
// buffer costs little. Every slot is cleared when it is emptied: the buffer never keeps a shifted
// item alive. When full, the overflow policy decides, and `push` says what it refused or evicted.

export type OverflowPolicy = 'reject' | 'drop-oldest' | 'drop-newest';

export type PushResult<T> =
  /** The item is in the buffer. */
  | { readonly outcome: 'added' }
  /** `drop-oldest`: the item is in; `evicted` (the oldest) is out. */
  | { readonly outcome: 'evicted'; readonly evicted: T }
  /** `reject`: the buffer is full, the item was not taken; the caller must hold it (back-pressure). */
  | { readonly outcome: 'rejected'; readonly item: T }
  /** `drop-newest`: the buffer is full and keeps its contents; the new item was dropped. */
  | { readonly outcome: 'dropped'; readonly item: T };

const ADDED = Object.freeze({ outcome: 'added' as const });
const INITIAL_SLOTS = 16;

export class RingBuffer<T> implements Iterable<T> {
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  #slots: (T | undefined)[];
  #mask: number;
  #head = 0;
  #length = 0;

  constructor(capacity: number, overflow: OverflowPolicy = 'reject') {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`RingBuffer capacity must be a positive integer, got ${capacity}`);
    if (overflow !== 'reject' && overflow !== 'drop-oldest' && overflow !== 'drop-newest') {
      throw new RangeError(`RingBuffer overflow must be reject, drop-oldest or drop-newest, got ${String(overflow)}`);
    }
    this.capacity = capacity;
    this.overflow = overflow;
    const slots = Math.min(INITIAL_SLOTS, nextPowerOfTwo(capacity));
    this.#slots = new Array<T | undefined>(slots);
    this.#mask = slots - 1;
  }

  get length(): number {
    return this.#length;
  }

  get isFull(): boolean {
    return this.#length === this.capacity;
  }

  push(item: T): PushResult<T> {
    if (this.#length === this.capacity) {
      if (this.overflow === 'reject') return { outcome: 'rejected', item };
      if (this.overflow === 'drop-newest') return { outcome: 'dropped', item };
      const evicted = this.shift() as T;
      this.#write(item);
      return { outcome: 'evicted', evicted };
    }
    if (this.#length === this.#slots.length) this.#grow();
    this.#write(item);
    return ADDED;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#slots[this.#head];
    this.#slots[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#length--;
    return item;
  }

  /** The oldest item, left in place. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#slots[this.#head];
  }

  /** Empties the buffer and returns what it held, oldest first. */
  drain(): T[] {
    const items = [...this];
    this.#slots.fill(undefined);
    this.#head = 0;
    this.#length = 0;
    return items;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.#length; i++) yield this.#slots[(this.#head + i) & this.#mask] as T;
  }

  #write(item: T): void {
    this.#slots[(this.#head + this.#length) & this.#mask] = item;
    this.#length++;
  }

  #grow(): void {
    const size = this.#slots.length * 2;
    const slots = new Array<T | undefined>(size);
    for (let i = 0; i < this.#length; i++) slots[i] = this.#slots[(this.#head + i) & this.#mask];
    this.#slots = slots;
    this.#mask = size - 1;
    this.#head = 0;
  }
}

function nextPowerOfTwo(n: number): number {
  let size = 1;
  while (size < n) size *= 2;
  return size;
}
