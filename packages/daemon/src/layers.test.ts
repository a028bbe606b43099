// The daemon's layering, checked on the sources: SQL lives only in store/, and the service in
// app/ knows no HTTP (neither node:http nor the http/ layer), no store implementation and no
// process adapter. A new file that breaks a rule fails here, naming the file and the line. Test
// support (`testing/` folders: the in-process harness wires real parts together) is not a layer.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.dirname(fileURLToPath(import.meta.url));

function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

function offending(files: readonly string[], pattern: RegExp): string[] {
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, index) => (pattern.test(line) ? [`${path.relative(SRC, file)}:${index + 1}: ${line.trim()}`] : [])),
  );
}

const SQL = /\b(SELECT\s+[\w*(]|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|TRIGGER|UNIQUE)|DROP\s+(TABLE|INDEX)|PRAGMA\s|BEGIN\s+(EXCLUSIVE|IMMEDIATE)|ROLLBACK\b)/;

describe('the daemon keeps its layers', () => {
  const all = sources();
  const inside = (folder: string) => all.filter((file) => path.relative(SRC, file).startsWith(`${folder}${path.sep}`));

  it('finds the sources it checks', () => {
    expect(inside('app').length).toBeGreaterThan(5);
    expect(inside('store').length).toBeGreaterThan(3);
  });

  it('recognises SQL when it sees it', () => {
    for (const line of ["db.prepare('SELECT id FROM messages')", 'DELETE FROM events WHERE id < ?', "db.exec('BEGIN EXCLUSIVE')", 'INSERT OR REPLACE INTO meta']) expect(SQL.test(line), line).toBe(true);
    expect(SQL.test('// select the oldest message and delete it from the queue')).toBe(false);
  });

  it('has SQL only in store/', () => {
    expect(offending(all.filter((file) => !inside('store').includes(file)), SQL)).toEqual([]);
  });

  it('keeps HTTP, store implementations and process adapters out of app/', () => {
    const forbidden = /from '(node:http|node:https|node:net|\.\.\/(http|api|compat|store|runtime|bin)\/[^']*|\.\.\/compose\.js)'/;
    expect(offending(inside('app'), forbidden)).toEqual([]);
  });

  it('keeps the routes of api/ and compat/ off the store', () => {
    expect(offending([...inside('api'), ...inside('compat')], /from '\.\.\/store\//)).toEqual([]);
  });
});
