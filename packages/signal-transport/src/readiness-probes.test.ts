// Readiness probes asked for while one is running share its answer: one request, one result for
// the listeners; a caller that gives up early stops waiting without ending the probe.
import { noopLogger } from '@tether/core';
import { describe, expect, it } from 'vitest';
import { ReadinessProbes, type ProbeResult } from './readiness-probes.js';

function pending(): { promise: Promise<boolean>; answer: (ready: boolean) => void } {
  let answer!: (ready: boolean) => void;
  const promise = new Promise<boolean>((resolve) => (answer = resolve));
  return { promise, answer };
}

describe('ReadinessProbes', () => {
  it('shares a running probe with whoever asks meanwhile, and tells the listeners once', async () => {
    const answers = [pending(), pending()];
    let checks = 0;
    const probes = new ReadinessProbes(() => answers[checks++]!.promise, undefined, noopLogger, () => 1_000);
    const told: ProbeResult[] = [];
    probes.onResult((result) => told.push(result));

    const first = probes.run(new AbortController().signal);
    const second = probes.run(new AbortController().signal);
    const gaveUp = new AbortController();
    const third = probes.run(gaveUp.signal);
    gaveUp.abort(new Error('deadline'));
    await expect(third).rejects.toThrow('deadline');
    answers[0]!.answer(true);
    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(checks).toBe(1);
    expect(told).toEqual([{ ready: true, startedAt: 1_000 }]);

    // once it answered, the next probe is a new request
    const fourth = probes.run(new AbortController().signal);
    answers[1]!.answer(false);
    expect(await fourth).toBe(false);
    expect(checks).toBe(2);
    expect(told).toHaveLength(2);
  });
});
