// Adds up the vitest JSON reports of every package (written by the shared vitest preset, one per
// vitest run of the package) and prints the line CI reads: "N passed, N failed".
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
let passed = 0;
let failed = 0;
for (const group of ['packages', 'tooling', 'examples']) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const results = join(dir, name, 'test-results');
    if (!existsSync(results)) continue;
    for (const file of readdirSync(results).filter((entry) => entry.endsWith('.json'))) {
      const result = JSON.parse(readFileSync(join(results, file), 'utf8'));
      passed += result.numPassedTests ?? 0;
      failed += (result.numFailedTests ?? 0) + (result.numFailedTestSuites ?? 0);
      console.log(`${group}/${name}/${file}: ${result.numPassedTests} passed, ${result.numFailedTests} failed`);
    }
  }
}
console.log(`${passed} passed, ${failed} failed`);
