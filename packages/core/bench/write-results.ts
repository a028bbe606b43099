// Writes benchmark figures to bench-results/<package>.json at the repository root, in the shape
// DECISIONS.md §10 fixes: { "<name>": { value, unit, baseline, ratio, better } }. Figures already
// in the file under other names are kept, so several bench scripts of a package can share it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchFigure {
  readonly value: number;
  readonly unit: string;
  readonly baseline: number;
  /** value / baseline */
  readonly ratio: number;
  readonly better: 'higher' | 'lower';
}

/** bench/ → packages/core/ → packages/ → the repository root. */
const RESULTS_DIRECTORY = fileURLToPath(new URL('../../../bench-results/', import.meta.url));

/** Rounds `value` and `baseline` to whole units; the ratio is computed from the rounded numbers, so it holds exactly. */
export function figure(value: number, baseline: number, unit: string, better: 'higher' | 'lower'): BenchFigure {
  const roundedValue = Math.round(value);
  const roundedBaseline = Math.round(baseline);
  return { value: roundedValue, unit, baseline: roundedBaseline, ratio: roundedValue / roundedBaseline, better };
}

export function writeResults(packageName: string, figures: Readonly<Record<string, BenchFigure>>): string {
  const file = `${RESULTS_DIRECTORY}${packageName}.json`;
  const previous: Record<string, unknown> = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...previous, ...figures }, null, 2)}\n`);
  return file;
}
