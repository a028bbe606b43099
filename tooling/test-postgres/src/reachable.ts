// Under root the server runs as `nobody`, which can only use binaries it can reach: every folder
// above them searchable by others, the files readable. A checkout under a private home directory
// (/root is 0700) is not, so the binaries' package is then copied once into the system's temp
// dir, where it is, and used from there.
import { chmodSync, cpSync, existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** True when a user who is neither the owner nor in the group of each folder can run `file`. */
export function reachableByOthers(file: string): boolean {
  let current = path.resolve(file);
  if ((statSync(current).mode & 0o005) !== 0o005) return false;
  for (;;) {
    const parent = path.dirname(current);
    if (parent === current) return true;
    if ((statSync(parent).mode & 0o001) === 0) return false;
    current = parent;
  }
}

/**
 * `nativeDir` (bin/, lib/, share/) copied to `<tmpdir>/tether-postgres-<label>` and opened to
 * others, once per machine: concurrent callers copy to their own folder and the first rename wins.
 */
export function stageForOthers(nativeDir: string, label: string): string {
  const target = path.join(tmpdir(), `tether-postgres-${label}`);
  if (existsSync(path.join(target, 'bin', 'postgres'))) return target;
  const staging = mkdtempSync(`${target}-staging-`);
  cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
  chmodSync(staging, 0o755);
  try {
    renameSync(staging, target);
  } catch {
    // another process staged it first
    rmSync(staging, { recursive: true, force: true });
  }
  return target;
}
