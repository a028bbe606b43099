// A temporary directory per test file, for Unix sockets and record files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'sigemu-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
