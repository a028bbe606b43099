import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { judge, secureStateDir, StateFileError, writePrivateFile } from './state-files.js';

const uid = process.getuid?.() ?? 0;
const stats = (mode: number, owner = uid, kind: 'file' | 'directory' | 'link' = 'file') => ({
  uid: owner,
  mode,
  isSymbolicLink: () => kind === 'link',
  isDirectory: () => kind === 'directory',
  isFile: () => kind === 'file',
});
const fresh = () => mkdtempSync(path.join(tmpdir(), 'tether-state-'));
const warnings: string[] = [];
const warn = (_fields: Record<string, unknown>, message: string) => warnings.push(message);

describe('judge', () => {
  it('refuses links, the wrong kind, another owner and group or world write access', () => {
    expect(judge(stats(0o600, uid, 'link'), uid, 'file')).toMatchObject({ problem: expect.stringMatching(/symbolic link/) });
    expect(judge(stats(0o700, uid, 'file'), uid, 'directory')).toMatchObject({ problem: 'is not a directory' });
    expect(judge(stats(0o600, uid + 1), uid, 'file')).toMatchObject({ problem: expect.stringMatching(`belongs to user ${uid + 1}`) });
    expect(judge(stats(0o666), uid, 'file')).toMatchObject({ problem: expect.stringMatching(/writable by every user/) });
    expect(judge(stats(0o620), uid, 'file')).toMatchObject({ problem: expect.stringMatching(/writable by its group/) });
  });

  it('tightens what is merely readable by others, and leaves private paths alone', () => {
    expect(judge(stats(0o644), uid, 'file')).toEqual({ tighten: 0o600 });
    expect(judge(stats(0o755, uid, 'directory'), uid, 'directory')).toEqual({ tighten: 0o700 });
    expect(judge(stats(0o600), uid, 'file')).toBeUndefined();
    expect(judge(stats(0o700, uid, 'directory'), uid, 'directory')).toBeUndefined();
  });
});

describe('secureStateDir', () => {
  it('creates a missing directory private and tightens readable files', () => {
    const dir = path.join(fresh(), 'state');
    secureStateDir(dir, uid, warn);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    writeFileSync(path.join(dir, 'tether.db'), '', { mode: 0o644 });
    secureStateDir(dir, uid, warn);
    expect(statSync(path.join(dir, 'tether.db')).mode & 0o777).toBe(0o600);
    expect(warnings.at(-1)).toMatch(/made it private/);
  });

  it('refuses a world-writable database and a link at a state file, naming the path and the fix', () => {
    const dir = fresh();
    writeFileSync(path.join(dir, 'tether.db'), '');
    const file = path.join(dir, 'tether.db');
    chmodSync(file, 0o666); // after creation: the runner's umask would take the write bits away
    expect(() => secureStateDir(dir, uid, warn)).toThrow(StateFileError);
    expect(() => secureStateDir(dir, uid, warn)).toThrow(new RegExp(`${file} is writable by every user .*Fix: remove it`));
    chmodSync(file, 0o600);
    symlinkSync('/etc/hostname', path.join(dir, 'tetherd.pid'));
    expect(() => secureStateDir(dir, uid, warn)).toThrow(/tetherd.pid is a symbolic link/);
  });

  it("checks the attachments' directory too: a link or a world-writable one is refused, a readable one made private", () => {
    const dir = fresh();
    const blobs = path.join(dir, 'blobs');
    symlinkSync(tmpdir(), blobs);
    expect(() => secureStateDir(dir, uid, warn)).toThrow(/blobs is a symbolic link/);
    const other = fresh();
    mkdirSync(path.join(other, 'blobs'));
    chmodSync(path.join(other, 'blobs'), 0o777);
    expect(() => secureStateDir(other, uid, warn)).toThrow(/blobs is writable by every user/);
    chmodSync(path.join(other, 'blobs'), 0o755);
    secureStateDir(other, uid, warn);
    expect(statSync(path.join(other, 'blobs')).mode & 0o777).toBe(0o700);
  });

  it('names the cause and the fix when the directory cannot be created', () => {
    const file = path.join(fresh(), 'a-file');
    writeFileSync(file, '');
    expect(() => secureStateDir(path.join(file, 'state'), uid, warn)).toThrow(/cannot create the state directory .*ENOTDIR.*TETHER_STATE_DIR/);
  });
});

describe('writePrivateFile', () => {
  it('writes 0600 and never through a link', () => {
    const dir = fresh();
    const file = path.join(dir, 'tetherd.pid');
    writePrivateFile(file, 'one');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const target = path.join(dir, 'target');
    writeFileSync(target, 'untouched');
    const link = path.join(dir, 'link');
    symlinkSync(target, link);
    expect(() => writePrivateFile(link, 'two')).toThrow(/ELOOP/);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('untouched');
  });
});
