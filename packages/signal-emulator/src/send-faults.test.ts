import { describe, expect, it } from 'vitest';
import { SendFaultQueue } from './send-faults.js';

describe('SendFaultQueue', () => {
  it('hands out faults in the order they were queued', () => {
    const queue = new SendFaultQueue();
    queue.fail(1, { status: 400, body: { error: 'x' } });
    queue.hang(2, { deliver: true });
    expect(queue.take()).toEqual({ kind: 'fail', rest: { status: 400, body: { error: 'x' } }, deliver: false });
    expect(queue.take()).toEqual({ kind: 'hang', deliver: true });
    expect(queue.take()).toEqual({ kind: 'hang', deliver: true });
    expect(queue.take()).toBeUndefined();
  });

  it('lifts only the rate limits of a solved challenge', () => {
    const queue = new SendFaultQueue();
    queue.rateLimit(2, { challengeToken: 'a' });
    queue.rateLimit(1, { challengeToken: 'b', retryAfterSeconds: 5 });
    expect(queue.liftRateLimit('a')).toBe(2);
    expect(queue.pending()).toEqual([{ kind: 'rate-limit', challengeToken: 'b', retryAfterSeconds: 5, deliver: false }]);
  });

  it('rejects a negative or fractional count', () => {
    const queue = new SendFaultQueue();
    expect(() => queue.hang(-1, {})).toThrow(RangeError);
    expect(() => queue.hang(1.5, {})).toThrow(RangeError);
  });
});
