// Message ids: unique even when a group commit of large batches makes them all in one millisecond
// (with 32 random bits, 200,000 such ids collided about 99 times in 100).
import { describe, expect, it } from 'vitest';
import { newMessageId } from './records.js';

describe('newMessageId', () => {
  it('makes 200,000 distinct ids in the same millisecond, sortable by time', () => {
    const now = Date.UTC(2026, 10, 29);
    const ids = new Set(Array.from({ length: 200_000 }, () => newMessageId(now)));
    expect(ids.size).toBe(200_000);
    expect(newMessageId(now) < newMessageId(now + 1)).toBe(true);
    expect(newMessageId(now)).toMatch(/^m[0-9a-z]+[0-9a-f]{12}$/);
  });
});
