// Adds up the vitest JSON reports of every package (written by the shared vitest preset) and
// prints the line CI reads: "N passed, N failed".
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
let passed = 0;
let failed = 0;
for (const group of ['packages', 'tooling']) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const report = join(dir, name, 'test-results', 'vitest.json');
    if (!existsSync(report)) continue;
    const result = JSON.parse(readFileSync(report, 'utf8'));
    passed += result.numPassedTests ?? 0;
    failed += (result.numFailedTests ?? 0) + (result.numFailedTestSuites ?? 0);
    console.log(`${group}/${name}: ${result.numPassedTests} passed, ${result.numFailedTests} failed`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
