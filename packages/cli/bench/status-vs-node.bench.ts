// status-vs-node (DECISIONS.md §10): wall time of `tether status --json` against a real tetherd and
// the emulator, against `node -e 0` measured in the same run — what starting the CLI costs over
// starting Node at all. Rounds alternate the two commands; after warm-up the medians are reported
// and written to bench-results/cli.json at the repository root. Goal: ratio ≤ 1.5.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TETHER_BIN } from '../test/helpers/processes.js';
import { startStack } from '../test/helpers/stack.js';

const WARMUP_ROUNDS = 5;
const ROUNDS = 41;
const RESULTS = fileURLToPath(new URL('../../../bench-results/cli.json', import.meta.url));

function wallTimeMs(args: readonly string[], env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr.toString()}`);
  return elapsed;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const round1 = (value: number): number => Math.round(value * 10) / 10;

const stack = await startStack();
try {
  await stack.waitForLink('connected');
  const status = [TETHER_BIN, 'status', '--json'];
  const baseline = ['-e', '0'];
  const timings = { status: [] as number[], node: [] as number[] };
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    // Alternate which goes first, so neither always runs on a warmer machine.
    const order = round % 2 === 0 ? (['status', 'node'] as const) : (['node', 'status'] as const);
    for (const which of order) {
      const ms = wallTimeMs(which === 'status' ? status : baseline, stack.env);
      if (round >= WARMUP_ROUNDS) timings[which].push(ms);
    }
  }
  const value = round1(median(timings.status));
  const base = round1(median(timings.node));
  const figure = { value, unit: 'ms', baseline: base, ratio: Math.round((value / base) * 1000) / 1000, better: 'lower' as const };
  const previous = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>) : {};
  mkdirSync(fileURLToPath(new URL('.', `file://${RESULTS}`)), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify({ ...previous, 'status-vs-node': figure }, null, 2)}\n`);
  console.log(`status-vs-node: tether status --json ${value} ms, node -e 0 ${base} ms (medians of ${ROUNDS}); ratio ${figure.ratio} (goal ≤ 1.5)`);
  console.log(`wrote ${RESULTS}`);
} finally {
  await stack.close();
}
