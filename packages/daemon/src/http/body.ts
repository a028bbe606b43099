// Request bodies with a size limit: refused as soon as they pass it (by Content-Length, or while
// reading), never buffered whole first. All bodies in flight share one budget of bytes: beyond
// it a request is refused with 503 and Retry-After (`busy`) before it costs more memory.
import type { IncomingMessage } from 'node:http';
import { AppError } from '../app/errors.js';

/** The bytes of request bodies held in memory at once, across every listener. */
export class BodyBudget {
  readonly #limit: number;
  #used = 0;

  constructor(limitBytes: number) {
    this.#limit = limitBytes;
  }

  get used(): number {
    return this.#used;
  }

  /** A claim on the budget that grows as a body is read; release it once the request is answered. */
  open(): Reservation {
    let held = 0;
    return {
      take: (bytes) => {
        if (this.#used + bytes > this.#limit) return false;
        this.#used += bytes;
        held += bytes;
        return true;
      },
      release: () => {
        this.#used -= held;
        held = 0;
      },
    };
  }
}

export interface Reservation {
  /** Adds bytes to the claim; false (and nothing taken) when the budget has no room. */
  take(bytes: number): boolean;
  release(): void;
}

/** Refused for the moment: too many bytes of other requests are being read. */
export function busy(): AppError {
  return new AppError('busy', 'tetherd is reading as many large requests as it holds at once (TETHER_MAX_INFLIGHT_MB); try again shortly', { retryAfterSeconds: 2 });
}

/** The whole body; `tooLarge()` past `limitBytes`, `busy` when the budget has no room. */
export async function readBody(request: IncomingMessage, limitBytes: number, tooLarge: () => Error, reservation?: Reservation): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    request.resume();
    throw tooLarge();
  }
  // a declared length is claimed up front, so a refusal comes before the first byte is read
  if (reservation && Number.isFinite(declared) && declared > 0 && !reservation.take(declared)) {
    request.resume();
    throw busy();
  }
  const claimed = Number.isFinite(declared) ? declared : 0;
  // With a declared length the chunks are copied into one buffer as they come and dropped at once:
  // the body is held once, not twice (the chunks and their concatenation) at the end.
  const whole = claimed > 0 ? Buffer.allocUnsafe(claimed) : undefined;
  let filled = 0;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      request.resume();
      throw tooLarge();
    }
    if (reservation && size > claimed && !reservation.take(Math.min(chunk.length, size - claimed))) {
      request.resume();
      throw busy();
    }
    if (whole !== undefined && chunks.length === 0 && filled + chunk.length <= claimed) filled += chunk.copy(whole, filled);
    else chunks.push(chunk);
  }
  // Node's parser ends the body at Content-Length, so `whole` is filled exactly; the fallback
  // keeps any other case correct (never a byte of `whole` that was not written).
  if (whole === undefined) return Buffer.concat(chunks, size);
  return filled === claimed && chunks.length === 0 ? whole : Buffer.concat([whole.subarray(0, filled), ...chunks], size);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A body's JSON, undefined when it is empty; invalid UTF-8 is refused (`invalid-body`) or, as Go
 * reads it (compat), replaced. `invalid-json` when it is not JSON.
 */
export function parseJson(body: Buffer, invalidUtf8: 'refuse' | 'replace' = 'refuse'): unknown {
  if (body.length === 0) return undefined;
  let text: string;
  try {
    text = invalidUtf8 === 'replace' ? body.toString('utf8') : UTF8.decode(body);
  } catch {
    throw new AppError('invalid-body', 'the request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('invalid-json', 'the request body is not valid JSON');
  }
}

/** The body as JSON (`{}` when empty); `invalid-body` when it is not UTF-8, `invalid-json` when it is not JSON. */
export async function readJson(request: IncomingMessage, limitBytes: number, tooLarge: () => Error, reservation?: Reservation): Promise<unknown> {
  const value = parseJson(await readBody(request, limitBytes, tooLarge, reservation));
  return value === undefined ? {} : value;
}
