// `tether-signal-emulator fault …` and `… inject …`: drive a running emulator through its admin
// API from a shell (a soak's fault schedule, a demo). Pure: parses the command line into the one
// admin request it stands for; cli.ts sends it, prints the answer and picks the exit code.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { partNames } from './parts.js';

export type AdminCommandLine =
  | { kind: 'request'; url: string; path: string; body: Record<string, unknown> }
  | { kind: 'exit'; code: number; output: string };

/** Faults by name: the admin route and which flags each one takes. */
const faults: Readonly<Record<string, { path: string; flags: readonly ('ms' | 'status' | 'account' | 'state')[]; required?: readonly string[] }>> = {
  'restart-signal-cli': { path: '/faults/restart-signal-cli', flags: ['ms'], required: ['ms'] },
  'slow-socket-writes': { path: '/faults/slow-socket-writes', flags: ['ms'], required: ['ms'] },
  deauthorize: { path: '/faults/deauthorize', flags: ['status', 'account'] },
  reauthorize: { path: '/faults/reauthorize', flags: ['account'] },
  latency: { path: '/faults/latency', flags: ['ms'], required: ['ms'] },
  'signal-cli': { path: '/faults/signal-cli', flags: ['state'], required: ['state'] },
  freeze: { path: '/faults/freeze', flags: [] },
  unfreeze: { path: '/faults/unfreeze', flags: [] },
  'drop-connections': { path: '/faults/drop-connections', flags: [] },
  clear: { path: '/faults/clear', flags: [] },
};

export const adminCommands = ['fault', 'inject'] as const;

export function parseAdminCommandLine(argv: readonly string[]): AdminCommandLine {
  let output = '';
  const program = new Command('tether-signal-emulator')
    .exitOverride()
    .configureOutput({ writeOut: (text) => (output += text), writeErr: (text) => (output += text), outputError: (text, write) => write(text) });
  let parsed: AdminCommandLine | undefined;
  program
    .command('fault')
    .description(`apply a fault to a running emulator: ${Object.keys(faults).join(', ')}`)
    .argument('<name>', 'the fault')
    .requiredOption('--admin <url>', 'the admin API base URL, e.g. http://127.0.0.1:8080', adminUrl)
    .option('--ms <ms>', 'duration in milliseconds', nonNegative)
    .option('--status <status>', 'deauthorize: 401 or 403', status)
    .option('--account <number>', 'the account (default: the emulator\'s default account)')
    .option('--state <state>', "signal-cli: 'up', 'down' or 'starting'")
    .action((name: string, flags: Record<string, unknown>) => {
      const fault = faults[name];
      if (fault === undefined) throw new InvalidArgumentError(`unknown fault ${name}; one of ${Object.keys(faults).join(', ')}`);
      const body: Record<string, unknown> = {};
      for (const flag of ['ms', 'status', 'account', 'state'] as const) {
        if (flags[flag] === undefined) continue;
        if (!fault.flags.includes(flag)) throw new InvalidArgumentError(`${name} takes no --${flag}`);
        body[flag] = flags[flag];
      }
      const missing = (fault.required ?? []).find((flag) => body[flag] === undefined);
      if (missing !== undefined) throw new InvalidArgumentError(`${name} needs --${missing}`);
      parsed = { kind: 'request', url: flags['admin'] as string, path: fault.path, body };
    });
  program
    .command('inject')
    .description(`inject an incoming message or one data-message part: message, ${partNames.join(', ')}`)
    .argument('<what>', 'message or a part')
    .requiredOption('--admin <url>', 'the admin API base URL, e.g. http://127.0.0.1:8080', adminUrl)
    .option('--json <object>', 'the injection\'s fields as a JSON object (see the README)', jsonObject, {})
    .option('--from <number>', 'the sender')
    .option('--account <number>', 'the receiving account')
    .action((what: string, flags: { admin: string; json: Record<string, unknown>; from?: string; account?: string }) => {
      if (what !== 'message' && !(partNames as readonly string[]).includes(what)) {
        throw new InvalidArgumentError(`cannot inject ${what}; one of message, ${partNames.join(', ')}`);
      }
      const body = { ...flags.json, ...(flags.from === undefined ? {} : { from: flags.from }), ...(flags.account === undefined ? {} : { account: flags.account }) };
      parsed = what === 'message' ? { kind: 'request', url: flags.admin, path: '/inject', body } : { kind: 'request', url: flags.admin, path: '/inject/part', body: { ...body, part: what } };
    });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    // Thrown by an action (commander reports its own parse errors itself, as CommanderError).
    if (error instanceof InvalidArgumentError) return { kind: 'exit', code: 2, output: `error: ${error.message}\n` };
    if (error instanceof CommanderError) return { kind: 'exit', code: error.exitCode === 0 ? 0 : 2, output };
    throw error;
  }
  return parsed ?? { kind: 'exit', code: 2, output: 'error: name a fault or an injection\n' };
}

function adminUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected an http:// URL.');
  }
  if (url.protocol !== 'http:') throw new InvalidArgumentError('expected an http:// URL.');
  return url.origin;
}

function nonNegative(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer.');
  return Number(value);
}

function status(value: string): number {
  if (value !== '401' && value !== '403') throw new InvalidArgumentError('expected 401 or 403.');
  return Number(value);
}

function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('expected a JSON object.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError('expected a JSON object.');
  return parsed as Record<string, unknown>;
}
