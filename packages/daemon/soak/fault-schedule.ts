// Which faults a soak applies, in which order: a fixed set that every run must contain (each
// kind at least once, several daemon SIGKILLs), topped up by weighted random picks and shuffled,
// all from the seed so a run can be replayed. Drop-on-busy exists only on the REST backend; a
// leader paused past its lease only with several tetherds (PostgreSQL), where the tetherd kills and
// stops hit the current leader.
import type { Backend } from './emulator-process.js';
import type { Random, StoreKind } from './options.js';

export type FaultKind =
  | 'daemon-kill'
  | 'daemon-term'
  | 'leader-pause'
  | 'emulator-kill'
  | 'freeze'
  | 'drop-connections'
  | 'latency'
  | 'signal-cli-starting'
  | 'rate-limit'
  | 'captcha'
  | 'fail-400'
  | 'fail-5xx'
  | 'hang-delivered'
  | 'hang-lost'
  | 'signal-cli-restart'
  | 'drop-on-busy';

/** Faults that the next send meets: they are queued in the emulator, one per send. */
export const SEND_FAULTS: ReadonlySet<FaultKind> = new Set(['rate-limit', 'captcha', 'fail-400', 'fail-5xx', 'hang-delivered', 'hang-lost']);

// In priority order: a short run (SOAK_FAULTS=10) still kills and stops the daemon and meets the
// faults most likely to duplicate a message.
const REQUIRED: readonly FaultKind[] = [
  'daemon-kill',
  'leader-pause',
  'signal-cli-restart',
  'drop-on-busy',
  'captcha',
  'hang-delivered',
  'emulator-kill',
  'daemon-term',
  'fail-400',
  'freeze',
  'daemon-kill',
  'leader-pause',
  'hang-lost',
  'fail-5xx',
  'rate-limit',
  'drop-connections',
  'latency',
  'signal-cli-starting',
  'daemon-kill',
  'daemon-kill',
];

const WEIGHTS: readonly (readonly [FaultKind, number])[] = [
  ['daemon-kill', 4],
  ['emulator-kill', 3],
  ['freeze', 2],
  ['drop-connections', 2],
  ['fail-400', 2],
  ['fail-5xx', 2],
  ['hang-delivered', 2],
  ['hang-lost', 1],
  ['captcha', 1],
  ['latency', 1],
  ['signal-cli-starting', 1],
  ['daemon-term', 1],
  ['leader-pause', 2],
  ['signal-cli-restart', 2],
  ['drop-on-busy', 1],
];

export function buildSchedule(count: number, random: Random, backend: Backend, store: StoreKind): FaultKind[] {
  const possible = (kind: FaultKind): boolean => (backend === 'rest' || kind !== 'drop-on-busy') && (store === 'postgres' || kind !== 'leader-pause');
  const kinds = REQUIRED.filter(possible).slice(0, count);
  const weights = WEIGHTS.filter(([kind]) => possible(kind));
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
  while (kinds.length < count) {
    let roll = random.next() * total;
    // A plain rate limit pauses the REST path 15–30 s (no Retry-After there), so it is only ever
    // in the required set, never a random extra.
    for (const [kind, weight] of weights) {
      roll -= weight;
      if (roll < 0) {
        kinds.push(kind);
        break;
      }
    }
  }
  for (let index = kinds.length - 1; index > 0; index--) {
    const other = Math.floor(random.next() * (index + 1));
    [kinds[index], kinds[other]] = [kinds[other]!, kinds[index]!];
  }
  return kinds;
}
