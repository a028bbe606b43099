// The state directory holds message bodies. Before anything is opened: the directory and every
// state file must belong to the daemon's user and be writable by nobody else (refused, with the
// fix, otherwise); modes that are merely too open (readable by others) are tightened; a symbolic
// link where a state file belongs is refused, never followed. Once the directory is ours alone,
// nobody else can put a file or a link into it between this check and the open.
import { chmodSync, closeSync, constants, lstatSync, mkdirSync, openSync, statSync, writeSync, type Stats } from 'node:fs';
import path from 'node:path';

/** Files tetherd keeps in its state directory. */
export const STATE_FILES = ['tether.db', 'tether.db-wal', 'tether.db-shm', 'tetherd.lock', 'tetherd.lock-journal', 'tetherd.pid'] as const;

export class StateFileError extends Error {}

/** What is wrong with one path, or undefined; `fix` is whether tightening the mode is enough. */
export function judge(stats: Pick<Stats, 'uid' | 'mode'> & { isSymbolicLink(): boolean; isDirectory(): boolean; isFile(): boolean }, uid: number, kind: 'directory' | 'file'): { readonly problem: string } | { readonly tighten: number } | undefined {
  if (stats.isSymbolicLink()) return { problem: 'is a symbolic link; tetherd never follows one for its state files' };
  if (kind === 'directory' ? !stats.isDirectory() : !stats.isFile()) return { problem: `is not a ${kind}` };
  if (stats.uid !== uid) return { problem: `belongs to user ${stats.uid}, not to tetherd's user ${uid}` };
  if ((stats.mode & 0o022) !== 0) return { problem: `is writable by ${(stats.mode & 0o002) !== 0 ? 'every user' : 'its group'} (mode ${(stats.mode & 0o777).toString(8)})` };
  const wanted = kind === 'directory' ? 0o700 : 0o600;
  if ((stats.mode & 0o077) !== 0) return { tighten: wanted };
  return undefined;
}

/**
 * Creates the state directory (0700) when it is missing and checks it and its files. Throws a
 * StateFileError naming the path, the cause and the fix.
 */
export function secureStateDir(stateDir: string, uid: number, warn: (fields: Record<string, unknown>, message: string) => void): void {
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StateFileError(`cannot create the state directory ${stateDir}: ${describe(error)}. Create it for tetherd's user (mkdir -p ${stateDir} && chmod 700 ${stateDir}) or set TETHER_STATE_DIR to a writable place.`);
  }
  check(stateDir, statSync(stateDir), uid, 'directory', warn);
  for (const name of STATE_FILES) {
    const file = path.join(stateDir, name);
    let stats: Stats;
    try {
      stats = lstatSync(file);
    } catch {
      continue; // not there yet: it will be created private (umask 077)
    }
    check(file, stats, uid, 'file', warn);
  }
  // the attachments' bytes (SQLite store): a directory of tetherd's own, never a link
  const blobs = path.join(stateDir, BLOB_DIR);
  const stats = lstatOrUndefined(blobs);
  if (stats !== undefined) check(blobs, stats, uid, 'directory', warn);
}

/** The directory beside `tether.db` where the SQLite store keeps attachment chunks. */
export const BLOB_DIR = 'blobs';

function lstatOrUndefined(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}

/** Writes a small file without following a link at its path (O_NOFOLLOW), private from creation. */
export function writePrivateFile(file: string, text: string): void {
  const descriptor = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(descriptor, text);
  } finally {
    closeSync(descriptor);
  }
}

function check(where: string, stats: Stats, uid: number, kind: 'directory' | 'file', warn: (fields: Record<string, unknown>, message: string) => void): void {
  const verdict = judge(stats, uid, kind);
  if (verdict === undefined) return;
  if ('problem' in verdict) {
    const fix = kind === 'directory' ? `chown it to tetherd's user and chmod 700 it` : `remove it if no tetherd uses it, or chown it to tetherd's user and chmod 600 it`;
    throw new StateFileError(`the state ${kind} ${where} ${verdict.problem}; it would expose message bodies. Fix: ${fix}.`);
  }
  try {
    chmodSync(where, verdict.tighten);
  } catch (error) {
    throw new StateFileError(`cannot make ${where} private (chmod ${verdict.tighten.toString(8)}): ${describe(error)}`);
  }
  warn({ path: where, mode: (stats.mode & 0o777).toString(8) }, `a state ${kind} was readable by other users; made it private`);
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const message = (error as Error).message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
  return code ? `${message} (${code})` : message;
}
