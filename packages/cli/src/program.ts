// The command line's grammar (commander): every command, flag and argument check. Parsing only
// picks a plan. The everyday commands are small and bundled in; only the demo (child processes,
// the emulator) loads lazily, so `tether status` reads as few files as possible at start.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { MESSAGE_STATES, type MessageState } from '@tether/daemon/protocol';
import type { CommandContext, Result } from './command-context.js';
import { usageError } from './exit-error.js';
import { challenge } from './commands/challenge.js';
import { cancelMessage, listMessages, retryMessage } from './commands/outbox.js';
import { receive } from './commands/receive.js';
import { sendBatch } from './commands/send-batch.js';
import { send, type SendFlags } from './commands/send.js';
import { status } from './commands/status.js';

export type Plan = (context: CommandContext) => Promise<Result | undefined>;

export interface ProgramOutput {
  readonly writeOut: (text: string) => void;
  readonly writeErr: (text: string) => void;
}

const EXIT_CODES = `
Exit codes: 0 success, 1 the operation failed, 2 bad usage or input, 3 tetherd unreachable.
Connection: TETHER_SOCKET (default: tetherd's own default path), or TETHER_URL + TETHER_TOKEN.`;

/** Builds the program; `choose` receives the plan of the command the arguments name. */
export function buildProgram(output: ProgramOutput, choose: (plan: Plan, json: boolean) => void): Command {
  const program = new Command('tether')
    .description('Send and receive Signal messages through tetherd, and see what it is doing.')
    .version(version(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: output.writeOut, writeErr: output.writeErr, outputError: () => undefined })
    .showSuggestionAfterError()
    .addHelpText('after', EXIT_CODES);

  const json = (command: Command): Command => command.option('--json', 'print JSON instead of text');

  json(program.command('status'))
    .description('show the link, send gate, outbox and loss windows; or one message with ID')
    .argument('[id]', 'a message id')
    .option('--watch', 'redraw on every change the daemon reports (Ctrl-C to stop)')
    .action((id: string | undefined, options: { json?: boolean; watch?: boolean }) =>
      choose((context) => status(context, id, { watch: options.watch === true }), options.json === true),
    );

  json(program.command('send'))
    .description('queue a message; the text comes from -m or stdin')
    .argument('[recipients...]', '+E.164 numbers, ACI UUIDs or u:name.01 usernames')
    .option('-m, --message <text>', 'the text (else read from stdin)')
    .option('--group <id>', 'send to this group (group.… as the REST API writes it, or the raw id)')
    .option('--attach <file>', 'attach a file (repeatable)', (file: string, previous: string[] | undefined) => [...(previous ?? []), file])
    .option('--wait', 'wait until the message is sent, failed or unknown')
    .option('--timeout <seconds>', 'how long --wait waits', seconds, 60)
    .option('--idempotency-key <key>', 'resending with the same key returns the first message instead of a duplicate')
    .option('--batch <file>', 'send the requests in FILE (- for stdin), one JSON object per line: {"recipients":[…],"message":"…"}')
    .action((recipients: string[], options: SendFlags & { json?: boolean; batch?: string }) =>
      choose((context) => {
        if (options.batch === undefined) return send(context, recipients, options);
        if (recipients.length > 0 || options.message !== undefined || options.group !== undefined || (options.attach ?? []).length > 0) {
          throw usageError('--batch takes its recipients and texts from the file: leave out recipients, -m, --group and --attach', 'usage', 'batch');
        }
        return sendBatch(context, { ...options, batch: options.batch });
      }, options.json === true),
    );

  json(program.command('receive'))
    .description('print incoming messages as they arrive (Ctrl-C to stop)')
    .option('--since <id|all>', 'first replay the spool after this event id, or all of it', since)
    .action((options: { json?: boolean; since?: string }) =>
      choose((context) => receive(context, options.since), options.json === true),
    );

  const outbox = program.command('outbox').description('list outgoing messages, or retry or cancel one');
  json(outbox.command('list', { isDefault: true }))
    .description('list messages, newest first')
    .addOption(new Option('--state <state>', 'only messages in this state').choices(MESSAGE_STATES))
    .option('--limit <count>', 'at most this many (1 to 10000)', limit, 100)
    .action((options: { json?: boolean; state?: MessageState; limit: number }) =>
      choose((context) => listMessages(context, options), options.json === true),
    );
  json(outbox.command('retry'))
    .description('queue a failed or unknown message again (at the back of the queue)')
    .argument('<id>', 'the message id')
    .action((id: string, options: { json?: boolean }) =>
      choose((context) => retryMessage(context, id), options.json === true),
    );
  json(outbox.command('cancel'))
    .description('cancel a queued or unknown message')
    .argument('<id>', 'the message id')
    .action((id: string, options: { json?: boolean }) =>
      choose((context) => cancelMessage(context, id), options.json === true),
    );

  json(program.command('challenge'))
    .description('submit a solved captcha so sending resumes (see `tether status`)')
    .argument('<token>', 'the challenge token that `tether status` shows')
    .argument('<captcha>', 'the signalcaptcha://… link from the captcha page')
    .action((token: string, captcha: string, options: { json?: boolean }) =>
      choose((context) => challenge(context, token, captcha), options.json === true),
    );

  json(program.command('demo'))
    .description('run tetherd against a local Signal emulator, kill the emulator, and show that nothing is lost')
    .action((options: { json?: boolean }) => choose(async (context) => (await import('./demo/run-demo.js')).runDemo(context), options.json === true));

  return program;
}

function seconds(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > 86_400) throw new InvalidArgumentError('expected seconds, more than 0 and at most 86400.');
  return value;
}

function limit(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > 10_000) throw new InvalidArgumentError('expected a whole number from 1 to 10000.');
  return value;
}

function since(text: string): string {
  if (text === 'all' || /^\d+$/.test(text)) return text;
  throw new InvalidArgumentError('expected an event id (a whole number) or "all".');
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
