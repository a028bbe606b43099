import { describe, expect, it } from 'vitest';
import { FreezeGate, GatedWriter } from './freeze-gate.js';

describe('FreezeGate', () => {
  it('holds waiters and writes until unfrozen, then releases them in order', async () => {
    const gate = new FreezeGate();
    const written: string[] = [];
    const writer = new GatedWriter<string>(gate, (item) => written.push(item));
    writer.send('a');
    gate.freeze();
    writer.send('b');
    writer.send('c');
    let resumed = false;
    const waiting = gate.whenOpen().then(() => (resumed = true));
    await Promise.resolve();
    expect(written).toEqual(['a']);
    expect(resumed).toBe(false);
    gate.unfreeze();
    await waiting;
    expect(written).toEqual(['a', 'b', 'c']);
  });

  it('abandons waiters on reset and drops held writes on dispose', async () => {
    const gate = new FreezeGate();
    const written: string[] = [];
    const writer = new GatedWriter<string>(gate, (item) => written.push(item));
    gate.freeze();
    writer.send('lost');
    writer.dispose();
    gate.unfreeze();
    expect(written).toEqual([]);
    gate.freeze();
    gate.reset();
    expect(gate.frozen).toBe(false);
    await expect(gate.whenOpen()).resolves.toBeUndefined();
  });
});
