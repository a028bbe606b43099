// Temporary directories: fresh and private each time, removed with their contents.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tempDir } from './temp-dir.js';

describe('tempDir', () => {
  it('makes a fresh private directory each time, and removes it with its contents', () => {
    const one = tempDir('helpers-');
    const two = tempDir('helpers-');
    expect(one.path).not.toBe(two.path);
    expect(one.path).toMatch(/helpers-/);
    expect(statSync(one.path).mode & 0o777).toBe(0o700);
    writeFileSync(one.join('file.txt'), 'x');
    expect(existsSync(one.join('file.txt'))).toBe(true);
    one.remove();
    one.remove();
    expect(existsSync(one.path)).toBe(false);
    two.remove();
  });
});
