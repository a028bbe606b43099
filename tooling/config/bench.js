// Writes benchmark figures to bench-results/<package>.json at the repository root, in the shape
// DECISIONS.md §10 fixes: { "<name>": { value, unit, baseline, ratio, better } }. Figures already
// in the file under other names are kept, so several bench scripts of a package can share it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** tooling/config/ → the repository root. */
const RESULTS_DIRECTORY = fileURLToPath(new URL('../../bench-results/', import.meta.url));

/**
 * Rounds value and baseline to `digits` decimals; the ratio is computed from the rounded numbers.
 * @param {number} value @param {number} baseline @param {string} unit @param {'higher' | 'lower'} better @param {number} [digits]
 */
export function figure(value, baseline, unit, better, digits = 0) {
  const scale = 10 ** digits;
  const roundedValue = Math.round(value * scale) / scale;
  const roundedBaseline = Math.round(baseline * scale) / scale;
  return { value: roundedValue, unit, baseline: roundedBaseline, ratio: Math.round((roundedValue / roundedBaseline) * 1000) / 1000, better };
}

/** @param {string} packageName @param {Record<string, ReturnType<typeof figure>>} figures */
export function writeResults(packageName, figures) {
  const file = `${RESULTS_DIRECTORY}${packageName}.json`;
  const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...previous, ...figures }, null, 2)}\n`);
  return file;
}

/** @param {number[]} values */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
