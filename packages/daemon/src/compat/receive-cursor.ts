// Where compat WebSocket clients resume: the newest spooled event a client is known to have read,
// per account, kept with the daemon's other named values. On first use it starts at the newest
// event, so a new deployment does not replay the whole spool.
import type { CompatPort } from './port.js';

export class ReceiveCursor {
  readonly #port: Pick<CompatPort, 'meta'>;
  readonly #key: string;
  #value: number;
  #writing: Promise<void> = Promise.resolve();
  #dirty = false;

  private constructor(port: Pick<CompatPort, 'meta'>, key: string, value: number) {
    this.#port = port;
    this.#key = key;
    this.#value = value;
  }

  static async open(port: Pick<CompatPort, 'meta' | 'events'>, account: string): Promise<ReceiveCursor> {
    const key = `compat-receive-cursor:${account}`;
    const stored = await port.meta.get(key);
    if (stored !== undefined && /^\d+$/.test(stored)) return new ReceiveCursor(port, key, Number(stored));
    const cursor = new ReceiveCursor(port, key, await port.events.lastId('incoming'));
    await port.meta.set(key, String(cursor.value));
    return cursor;
  }

  get value(): number {
    return this.#value;
  }

  /** Moves the cursor forward (never back); writes are coalesced to one per turn of the loop. */
  advance(id: number): boolean {
    if (id <= this.#value) return false;
    this.#value = id;
    if (!this.#dirty) {
      this.#dirty = true;
      setImmediate(() => void this.#flush());
    }
    return true;
  }

  async close(): Promise<void> {
    await this.#flush();
  }

  #flush(): Promise<void> {
    if (!this.#dirty) return this.#writing;
    this.#dirty = false;
    const value = String(this.#value);
    this.#writing = this.#writing.then(async () => {
      await this.#port.meta.set(this.#key, value);
    }).catch(() => undefined); // the next advance writes again; the cursor only ever moves forward
    return this.#writing;
  }
}
