// The one place that prints and picks the exit code. It parses the command line, runs the chosen
// command with a context (client, style, Ctrl-C signal), and turns results and ExitErrors into
// stdout/stderr text or JSON. Bad usage exits 2 with a clear message, never a stack trace.
import os from 'node:os';
import { AbortedError, createClient, type TetherClient } from '@tether/client';
import { CommanderError } from 'commander';
import { resolveConnection, type Connection } from './client/connection.js';
import { exitErrorFor } from './client/exit-mapping.js';
import type { CommandContext, Output } from './command-context.js';
import { EXIT, ExitError, type ExitCode } from './exit-error.js';
import { colourWanted, createStyle } from './output/style.js';
import { buildProgram, type Plan } from './program.js';

export interface ShellIo {
  /** The arguments after `tether`. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A function: touching process.stdin costs startup time, and only `send` reads it. */
  readonly stdin: () => NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly stdout: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** Aborted when the user interrupts (Ctrl-C). */
  readonly signal: AbortSignal;
}

const CLEAR_SCREEN = '\u001B[H\u001B[2J';

export async function runCli(io: ShellIo): Promise<ExitCode> {
  let chosen: { plan: Plan; json: boolean } | undefined;
  const program = buildProgram({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) }, (plan, json) => (chosen = { plan, json }));
  try {
    program.parse([...io.argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
    // `tether help …` exits 0; `tether` alone exits 2, commander having printed the help to stderr.
    if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const message = `${error.message.replace(/^error: /, '')}\n(see \`tether ${commandName(io.argv)}--help\`)`;
    return report(io, io.argv.includes('--json'), new ExitError(EXIT.usage, message, 'usage'));
  }
  if (chosen === undefined) return EXIT.usage;
  const { plan, json } = chosen;
  const link: Link = {};
  const context = createContext(io, json, link);
  try {
    const result = await plan(context);
    if (result !== undefined) write(io, json, result);
    return result?.code ?? EXIT.ok;
  } catch (error) {
    if (ExitError.isInstance(error)) return report(io, json, error);
    if (io.signal.aborted && AbortedError.isInstance(error)) return EXIT.ok;
    const mapped = link.connection === undefined ? undefined : exitErrorFor(error, link.connection);
    if (mapped !== undefined) return report(io, json, mapped);
    const detail = io.env['TETHER_DEBUG'] ? `\n${(error as Error).stack ?? ''}` : '';
    return report(io, json, new ExitError(EXIT.failed, `unexpected error: ${(error as Error).message ?? String(error)}${detail}`, 'internal'));
  } finally {
    await link.client?.close();
  }
}

/** The daemon connection a command opened, if it opened one (for error messages and cleanup). */
interface Link {
  connection?: Connection;
  client?: TetherClient;
}

function createContext(io: ShellIo, json: boolean, link: Link): CommandContext {
  return {
    env: io.env,
    json,
    style: createStyle(colourWanted(io.stdout, io.env)),
    signal: io.signal,
    get stdin() {
      return io.stdin();
    },
    now: () => Date.now(),
    client: () => {
      if (link.client !== undefined) return link.client;
      const connection = resolveConnection(io.env, os.homedir());
      link.connection = connection;
      link.client = createClient(connection.kind === 'socket' ? { socket: connection.socketPath } : { url: connection.url.href, token: connection.token });
      return link.client;
    },
    emit: (output) => write(io, json, output),
    notice: (text) => void io.stderr.write(`${createStyle(colourWanted(io.stderr, io.env)).dim(text)}\n`),
  };
}

function write(io: ShellIo, json: boolean, output: Output): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(output.json)}\n`);
    return;
  }
  const lines = typeof output.human === 'string' ? [output.human] : output.human;
  const prefix = output.redraw && io.stdout.isTTY ? CLEAR_SCREEN : '';
  io.stdout.write(`${prefix}${lines.join('\n')}\n`);
}

function report(io: ShellIo, json: boolean, error: ExitError): ExitCode {
  if (json) io.stdout.write(`${JSON.stringify(error.toJson())}\n`);
  const style = createStyle(colourWanted(io.stderr, io.env));
  io.stderr.write(`${style.red('tether:')} ${error.message}\n`);
  return error.code;
}

/** `send ` for `tether send --bogus`, to point at the right help. */
function commandName(argv: readonly string[]): string {
  const first = argv.find((argument) => !argument.startsWith('-'));
  return first !== undefined && ['status', 'send', 'receive', 'outbox', 'challenge', 'demo'].includes(first) ? `${first} ` : '';
}
