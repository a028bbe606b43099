// Push+shift throughput of RingBuffer against denque and a plain Array, measured in the same run.
// Two workloads per queue size N, both realistic for an outbox or a subscriber queue:
//   - fill-drain:  push N items, then shift them all (a backlog building up and draining), repeated;
//   - steady:      fill to depth N, then shift one and push one, many times, then drain (a queue
//                  that never empties).
// One round runs both workloads for each queue, in rotating order; after warm-up rounds, the
// median of the timed rounds is reported. Every push and every shift counts as one operation.
import Denque from 'denque';
import { RingBuffer } from '../src/index.js';
import { figure, median, writeResults } from '@tether/config/bench';

interface Item {
  readonly id: number;
}

interface Workload {
  /** How many fill-drain cycles of N items, and how many shift+push pairs at depth N. */
  readonly cycles: number;
  readonly pairs: number;
}

interface Contender {
  readonly name: string;
  /** Returns the sum of the ids it shifted, so that no work can be optimised away. */
  readonly fillDrain: (items: readonly Item[], cycles: number) => number;
  readonly steady: (items: readonly Item[], pairs: number) => number;
}

// One hand-written function per queue and workload keeps every call site monomorphic.

function ringBuffer(capacity: number): Contender {
  const queue = new RingBuffer<Item>(capacity);
  return {
    name: 'RingBuffer',
    fillDrain(items, cycles) {
      const n = items.length;
      let checksum = 0;
      for (let cycle = 0; cycle < cycles; cycle++) {
        for (let i = 0; i < n; i++) queue.push(items[i]!);
        for (let i = 0; i < n; i++) checksum += queue.shift()!.id;
      }
      return checksum;
    },
    steady(items, pairs) {
      const n = items.length;
      let checksum = 0;
      for (let i = 0; i < n; i++) queue.push(items[i]!);
      for (let i = 0; i < pairs; i++) {
        checksum += queue.shift()!.id;
        queue.push(items[i % n]!);
      }
      for (let i = 0; i < n; i++) checksum += queue.shift()!.id;
      return checksum;
    },
  };
}

function denque(): Contender {
  const queue = new Denque<Item>();
  return {
    name: 'denque',
    fillDrain(items, cycles) {
      const n = items.length;
      let checksum = 0;
      for (let cycle = 0; cycle < cycles; cycle++) {
        for (let i = 0; i < n; i++) queue.push(items[i]!);
        for (let i = 0; i < n; i++) checksum += queue.shift()!.id;
      }
      return checksum;
    },
    steady(items, pairs) {
      const n = items.length;
      let checksum = 0;
      for (let i = 0; i < n; i++) queue.push(items[i]!);
      for (let i = 0; i < pairs; i++) {
        checksum += queue.shift()!.id;
        queue.push(items[i % n]!);
      }
      for (let i = 0; i < n; i++) checksum += queue.shift()!.id;
      return checksum;
    },
  };
}

function plainArray(): Contender {
  const queue: Item[] = [];
  return {
    name: 'Array',
    fillDrain(items, cycles) {
      const n = items.length;
      let checksum = 0;
      for (let cycle = 0; cycle < cycles; cycle++) {
        for (let i = 0; i < n; i++) queue.push(items[i]!);
        for (let i = 0; i < n; i++) checksum += queue.shift()!.id;
      }
      return checksum;
    },
    steady(items, pairs) {
      const n = items.length;
      let checksum = 0;
      for (let i = 0; i < n; i++) queue.push(items[i]!);
      for (let i = 0; i < pairs; i++) {
        checksum += queue.shift()!.id;
        queue.push(items[i % n]!);
      }
      for (let i = 0; i < n; i++) checksum += queue.shift()!.id;
      return checksum;
    },
  };
}

interface Measured {
  readonly name: string;
  /** ops/s of each timed round, both workloads together. */
  readonly rounds: number[];
  readonly fillDrainRounds: number[];
  readonly steadyRounds: number[];
}

const WARMUP_ROUNDS = 3;
const TIMED_ROUNDS = 9;

/** 0 + 1 + … + (n − 1) */
function triangle(n: number): number {
  return (n * (n - 1)) / 2;
}


/** Runs every contender through both workloads, round after round, and checks they agree. */
function measure(size: number, contenders: readonly { contender: Contender; workload: Workload }[]): Map<string, Measured> {
  const items: Item[] = Array.from({ length: size }, (_, id) => ({ id }));
  const results = new Map<string, Measured>(
    contenders.map(({ contender }) => [contender.name, { name: contender.name, rounds: [], fillDrainRounds: [], steadyRounds: [] }]),
  );
  for (let round = 0; round < WARMUP_ROUNDS + TIMED_ROUNDS; round++) {
    for (let turn = 0; turn < contenders.length; turn++) {
      const { contender, workload } = contenders[(round + turn) % contenders.length]!;
      const fillDrainOps = 2 * size * workload.cycles;
      const steadyOps = 4 * size + 2 * workload.pairs;

      const start = performance.now();
      const fillDrainSum = contender.fillDrain(items, workload.cycles);
      const middle = performance.now();
      const steadySum = contender.steady(items, workload.pairs);
      const end = performance.now();

      // Every item pushed is shifted again, so each sum is the sum of the ids pushed.
      const fullPasses = Math.floor(workload.pairs / size);
      const rest = workload.pairs % size;
      const expectedFillDrain = workload.cycles * triangle(size);
      const expectedSteady = triangle(size) + fullPasses * triangle(size) + triangle(rest);
      if (fillDrainSum !== expectedFillDrain || steadySum !== expectedSteady) throw new Error(`${contender.name} lost items at size ${size}`);
      if (round < WARMUP_ROUNDS) continue;
      const result = results.get(contender.name)!;
      result.rounds.push(((fillDrainOps + steadyOps) / (end - start)) * 1_000);
      result.fillDrainRounds.push((fillDrainOps / (middle - start)) * 1_000);
      result.steadyRounds.push((steadyOps / (end - middle)) * 1_000);
    }
  }
  return results;
}

function opsPerSecond(results: Map<string, Measured>, name: string): number {
  return median(results.get(name)!.rounds);
}

function formatOps(value: number): string {
  return value >= 1e6 ? `${(value / 1e6).toFixed(1)} M/s` : `${(value / 1e3).toFixed(1)} k/s`;
}

// Array.shift is O(n) once an array's backing store is too big to trim in place (about 16k
// items), so it gets far fewer operations at 100k to keep the run short; throughput is per second.
const large = measure(100_000, [
  { contender: ringBuffer(100_000), workload: { cycles: 100, pairs: 10_000_000 } },
  { contender: denque(), workload: { cycles: 100, pairs: 10_000_000 } },
  { contender: plainArray(), workload: { cycles: 1, pairs: 10_000 } },
]);
const small = measure(1_000, [
  { contender: ringBuffer(1_000), workload: { cycles: 10_000, pairs: 10_000_000 } },
  { contender: denque(), workload: { cycles: 10_000, pairs: 10_000_000 } },
]);

const ring100k = opsPerSecond(large, 'RingBuffer');
const ring1k = opsPerSecond(small, 'RingBuffer');
const figures = {
  'ringbuffer-vs-denque-100k': figure(ring100k, opsPerSecond(large, 'denque'), 'ops/s', 'higher'),
  'ringbuffer-vs-denque-1k': figure(ring1k, opsPerSecond(small, 'denque'), 'ops/s', 'higher'),
  'ringbuffer-vs-array-100k': figure(ring100k, opsPerSecond(large, 'Array'), 'ops/s', 'higher'),
};
const goals: Record<keyof typeof figures, number> = {
  'ringbuffer-vs-denque-100k': 1,
  'ringbuffer-vs-denque-1k': 0,
  'ringbuffer-vs-array-100k': 10,
};

const file = writeResults('core', figures);

console.log(`push+shift throughput, median of ${TIMED_ROUNDS} rounds after ${WARMUP_ROUNDS} warm-up rounds\n`);
console.log('queue        size   fill-drain    steady        both');
for (const [size, results] of [
  ['100k', large],
  ['1k', small],
] as const) {
  for (const result of results.values()) {
    const columns = [median(result.fillDrainRounds), median(result.steadyRounds), median(result.rounds)].map((value) => formatOps(value).padEnd(13));
    console.log(`${result.name.padEnd(12)} ${size.padEnd(6)} ${columns.join(' ')}`);
  }
}
console.log('\nfigure                       value         baseline      ratio    goal');
for (const [name, { value, baseline, ratio }] of Object.entries(figures)) {
  const goal = goals[name as keyof typeof figures];
  const verdict = goal === 0 ? '' : ratio >= goal ? `≥ ${goal} met` : `≥ ${goal} MISSED`;
  console.log(`${name.padEnd(28)} ${formatOps(value).padEnd(13)} ${formatOps(baseline).padEnd(13)} ${ratio.toFixed(2).padEnd(8)} ${verdict}`);
}
console.log(`\nwritten to ${file}`);
