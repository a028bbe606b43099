import { chmodSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { reachableByOthers, stageForOthers } from './reachable.js';

it('sees a binary under a private folder as unreachable for others, and stages a reachable copy with its links', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tether-reach-'));
  chmodSync(root, 0o755);
  const native = path.join(root, 'private', 'native');
  mkdirSync(path.join(native, 'bin'), { recursive: true });
  mkdirSync(path.join(native, 'lib'));
  writeFileSync(path.join(native, 'bin', 'postgres'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(path.join(native, 'lib', 'libpq.so.5.18'), '');
  symlinkSync('libpq.so.5.18', path.join(native, 'lib', 'libpq.so.5'));
  chmodSync(path.join(root, 'private'), 0o755);
  expect(reachableByOthers(path.join(native, 'bin', 'postgres'))).toBe(true);
  chmodSync(path.join(root, 'private'), 0o700);
  expect(reachableByOthers(path.join(native, 'bin', 'postgres'))).toBe(false);
  const label = `test-${process.pid}-${Date.now()}`;
  const staged = stageForOthers(native, label);
  expect(reachableByOthers(path.join(staged, 'bin', 'postgres'))).toBe(true);
  expect(readlinkSync(path.join(staged, 'lib', 'libpq.so.5'))).toBe('libpq.so.5.18');
  expect(stageForOthers(native, label)).toBe(staged);
  rmSync(staged, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});
