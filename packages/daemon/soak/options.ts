// The soak's knobs, read once from SOAK_* variables, and the seeded randomness that makes a run
// replayable: the same SOAK_SEED gives the same fault schedule and the same fault parameters.
import type { Backend } from './emulator-process.js';

/** `sqlite`: one tetherd on its own state directory. `postgres`: three on one PostgreSQL database. */
export type StoreKind = 'sqlite' | 'postgres';

export interface SoakOptions {
  readonly messages: number;
  /** Incoming messages injected over the run. */
  readonly incoming: number;
  readonly faults: number;
  readonly seed: number;
  readonly backend: Backend;
  readonly store: StoreKind;
  readonly submitters: number;
  /** Planned time between the starts of two faults, on average. */
  readonly faultSpacingMs: number;
  /** How long the final drain may take once every fault is over. */
  readonly drainDeadlineMs: number;
  /** Keep the temporary directory (logs, record, state) even when the soak passes. */
  readonly keep: boolean;
}

/** `--store postgres` (or `--store=postgres`) on the command line wins over SOAK_STORE. */
export function readOptions(env: NodeJS.ProcessEnv, argv: readonly string[] = []): SoakOptions {
  const backend = env['SOAK_BACKEND'] ?? 'rest';
  if (backend !== 'rest' && backend !== 'jsonrpc') throw new Error(`SOAK_BACKEND must be rest or jsonrpc, got "${backend}"`);
  const store = storeFlag(argv) ?? env['SOAK_STORE'] ?? 'sqlite';
  if (store !== 'sqlite' && store !== 'postgres') throw new Error(`--store (SOAK_STORE) must be sqlite or postgres, got "${store}"`);
  const messages = whole(env, 'SOAK_MESSAGES', 5_000, 1);
  return {
    messages,
    incoming: whole(env, 'SOAK_INCOMING', Math.ceil(messages / 5), 0),
    faults: whole(env, 'SOAK_FAULTS', 36, 1),
    seed: whole(env, 'SOAK_SEED', Math.floor(Math.random() * 2 ** 31), 0),
    backend,
    store,
    submitters: whole(env, 'SOAK_SUBMITTERS', 8, 1),
    faultSpacingMs: whole(env, 'SOAK_FAULT_SPACING_MS', 3_000, 100),
    drainDeadlineMs: whole(env, 'SOAK_DRAIN_DEADLINE_MS', 180_000, 1_000),
    keep: env['SOAK_KEEP'] === '1',
  };
}

function storeFlag(argv: readonly string[]): string | undefined {
  let value: string | undefined;
  argv.forEach((argument, index) => {
    if (argument === '--store') value = argv[index + 1] ?? '';
    else if (argument.startsWith('--store=')) value = argument.slice('--store='.length);
    else if (argument !== '--' && argv[index - 1] !== '--store') throw new Error(`unknown argument "${argument}" (the soak takes --store sqlite|postgres; everything else is SOAK_* variables)`);
  });
  return value;
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}, got "${text}"`);
  return value;
}

/** mulberry32: small, fast, and plenty for picking faults. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    between: (min, max) => Math.floor(min + next() * (max - min + 1)),
    chance: (probability) => next() < probability,
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

export interface Random {
  next(): number;
  /** A whole number from min to max, both included. */
  between(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
}
