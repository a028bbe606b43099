// The queue of faults that the next sends will meet, in the order a test asked for them: each
// send takes one entry, so `failNextSends(1)` then `hangNextSends(1)` fails one, then hangs one.
import type { JsonRpcErrorObject, RestAnswer } from './signal-cli-error.js';

export type FailNextOptions =
  | { status: number; body: unknown; deliver?: boolean }
  | { jsonRpcError: JsonRpcErrorObject; deliver?: boolean };

export interface RateLimitOptions {
  /** A proof-required challenge token; absent = a plain rate limit (REST shows `[""]`). */
  challengeToken?: string;
  retryAfterSeconds?: number;
  /** Record the message in sent() anyway: a 429 that still delivered (FIELD-ISSUES #14). */
  deliver?: boolean;
}

export interface HangOptions {
  /** Record the message in sent() although the answer never comes: "timed out but delivered". */
  deliver?: boolean;
}

export type SendFault =
  | { kind: 'fail'; rest?: RestAnswer; jsonRpcError?: JsonRpcErrorObject; deliver: boolean }
  | { kind: 'rate-limit'; challengeToken?: string; retryAfterSeconds?: number; deliver: boolean }
  | { kind: 'hang'; deliver: boolean };

export class SendFaultQueue {
  #queue: SendFault[] = [];

  fail(count: number, options: FailNextOptions): void {
    const deliver = options.deliver ?? false;
    const fault: SendFault =
      'jsonRpcError' in options
        ? { kind: 'fail', jsonRpcError: options.jsonRpcError, deliver }
        : { kind: 'fail', rest: { status: options.status, body: options.body }, deliver };
    this.#add(count, fault);
  }

  rateLimit(count: number, options: RateLimitOptions): void {
    this.#add(count, {
      kind: 'rate-limit',
      deliver: options.deliver ?? false,
      ...(options.challengeToken === undefined ? {} : { challengeToken: options.challengeToken }),
      ...(options.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: options.retryAfterSeconds }),
    });
  }

  hang(count: number, options: HangOptions): void {
    this.#add(count, { kind: 'hang', deliver: options.deliver ?? false });
  }

  take(): SendFault | undefined {
    return this.#queue.shift();
  }

  /** A solved challenge lifts every queued rate limit that carried its token. */
  liftRateLimit(token: string): number {
    const before = this.#queue.length;
    this.#queue = this.#queue.filter((fault) => !(fault.kind === 'rate-limit' && fault.challengeToken === token));
    return before - this.#queue.length;
  }

  clear(): void {
    this.#queue = [];
  }

  pending(): readonly SendFault[] {
    return [...this.#queue];
  }

  #add(count: number, fault: SendFault): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
    for (let index = 0; index < count; index += 1) this.#queue.push(fault);
  }
}
