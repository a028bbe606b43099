// The bounded wait: it passes results and failures through, and names what never came.
import { describe, expect, it } from 'vitest';
import { WaitTimeoutError, within } from './within.js';

describe('within', () => {
  it('passes through what the promise settles with', async () => {
    await expect(within(Promise.resolve(42), 'the answer', 50)).resolves.toBe(42);
    await expect(within(Promise.reject(new Error('no')), 'the answer', 50)).rejects.toThrow('no');
  });

  it('names what it waited for when the time runs out', async () => {
    const waited = within(new Promise(() => undefined), 'a message that never comes', 10);
    await expect(waited).rejects.toThrow(new WaitTimeoutError('a message that never comes', 10));
    await expect(waited).rejects.toMatchObject({ code: 'wait-timeout', what: 'a message that never comes', message: 'timed out after 10 ms waiting for a message that never comes' });
  });
});
