// Temporary directories for tests: state directories, Unix sockets, record files. Each is private
// to the test run (mkdtemp, mode 0700) and removed on request; a test that fails leaves its
// directory behind for a look.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TempDir {
  readonly path: string;
  /** A path inside the directory. */
  join(...segments: string[]): string;
  /** Removes the directory and everything in it (harmless when already gone). */
  remove(): void;
}

/** A fresh, empty directory under the system's temporary directory. */
export function tempDir(prefix = 'tether-test-'): TempDir {
  const directory = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    path: directory,
    join: (...segments) => path.join(directory, ...segments),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}
