// The CLI's flags, parsed with commander into EmulatorOptions. Pure: it returns what to do and
// never exits, so the shell in cli.ts alone prints and picks the exit code.
import { isAbsolute, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { EmulatorOptions } from './options.js';
import { isE164 } from './identity.js';

export type CommandLine =
  | { kind: 'run'; options: EmulatorOptions; json: boolean }
  | { kind: 'exit'; code: number; output: string };

export function parseCommandLine(argv: readonly string[], cwd = process.cwd()): CommandLine {
  let output = '';
  const program = new Command('tether-signal-emulator')
    .description('Loopback emulator of signal-cli-rest-api (MODE=json-rpc) and the signal-cli JSON-RPC daemon')
    .option('--account <number>', 'E.164 number of an emulated account (repeatable: a multi-account signal-cli; the first is the default)', account, [])
    .option('--port <port>', 'REST port on 127.0.0.1 (0 = random)', port, 8080)
    .option('--jsonrpc <url>', 'JSON-RPC daemon listener: tcp://127.0.0.1:PORT or unix:/path (repeatable)', collect, [])
    .addOption(new Option('--receive-mode <mode>', 'JSON-RPC receive mode').choices(['on-start', 'on-connection', 'manual']).default('on-start'))
    .option('--no-rest', 'do not serve the REST API')
    .option('--admin-port <port>', 'serve the /_emulator/ admin API on its own port', port)
    .option('--record <file>', 'append every accepted send to this NDJSON file (and reload it at start)')
    .option('--ping-interval-ms <ms>', 'REST WebSocket ping interval', positiveInteger, 54_000)
    .option('--redial-interval-ms <ms>', 'how often REST redials a restarted signal-cli (15 attempts, then it exits)', positiveInteger, 2_000)
    .addOption(new Option('--send-response-shape <shape>', '/v2/send success body').choices(['0.100', 'master']).default('0.100'))
    .option('--json', 'print the ready line as JSON')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => (output += text),
      writeErr: (text) => (output += text),
      outputError: (text, write) => write(text),
    });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return { kind: 'exit', code: error.exitCode === 0 ? 0 : 2, output };
  }
  const flags = program.opts<Flags>();
  if (flags.account.length === 0) return { kind: 'exit', code: 2, output: "error: required option '--account <number>' not specified\n" };
  const jsonRpc = jsonRpcListeners(flags.jsonrpc, cwd);
  if (typeof jsonRpc === 'string') return { kind: 'exit', code: 2, output: `error: ${jsonRpc}\n` };
  if (!flags.rest && jsonRpc.tcp === undefined && jsonRpc.unix === undefined) {
    return { kind: 'exit', code: 2, output: 'error: --no-rest needs at least one --jsonrpc listener\n' };
  }
  const options: EmulatorOptions = {
    account: flags.account[0] as string,
    ...(flags.account.length > 1 ? { accounts: flags.account } : {}),
    rest: flags.rest ? { port: flags.port } : false,
    ...(jsonRpc.tcp === undefined && jsonRpc.unix === undefined ? {} : { jsonRpc: { ...jsonRpc, receiveMode: flags.receiveMode } }),
    ...(flags.adminPort === undefined ? {} : { admin: { port: flags.adminPort } }),
    ...(flags.record === undefined ? {} : { recordFile: resolve(cwd, flags.record) }),
    restPingIntervalMs: flags.pingIntervalMs,
    ...(flags.redialIntervalMs === 2_000 ? {} : { restRedialIntervalMs: flags.redialIntervalMs }),
    sendResponseShape: flags.sendResponseShape,
  };
  return { kind: 'run', options, json: flags.json === true };
}

interface Flags {
  account: string[];
  port: number;
  jsonrpc: string[];
  receiveMode: 'on-start' | 'on-connection' | 'manual';
  rest: boolean;
  adminPort?: number;
  record?: string;
  pingIntervalMs: number;
  redialIntervalMs: number;
  sendResponseShape: '0.100' | 'master';
  json?: boolean;
}

function jsonRpcListeners(urls: readonly string[], cwd: string): { tcp?: { port: number }; unix?: string } | string {
  const listeners: { tcp?: { port: number }; unix?: string } = {};
  for (const url of urls) {
    const tcp = /^tcp:\/\/(127\.0\.0\.1|localhost):(\d{1,5})$/.exec(url);
    if (tcp !== null) {
      const value = Number(tcp[2]);
      if (value > 65_535) return `invalid port in ${url}`;
      listeners.tcp = { port: value };
    } else if (url.startsWith('unix:') && url.length > 'unix:'.length) {
      const path = url.slice('unix:'.length);
      listeners.unix = isAbsolute(path) ? path : resolve(cwd, path);
    } else {
      return `--jsonrpc must be tcp://127.0.0.1:PORT or unix:/path (the emulator listens on loopback only), got ${url}`;
    }
  }
  return listeners;
}

function account(value: string, previous: string[]): string[] {
  if (!isE164(value)) throw new InvalidArgumentError('expected an E.164 number such as +4915112345678.');
  return [...previous, value];
}

function port(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed > 65_535) throw new InvalidArgumentError('expected a port number 0-65535.');
  return parsed;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed === 0) throw new InvalidArgumentError('expected a positive integer.');
  return parsed;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
