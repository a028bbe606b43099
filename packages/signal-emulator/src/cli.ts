#!/usr/bin/env node
// tether-signal-emulator: runs the emulator as its own process until SIGTERM or SIGINT. Prints one
// ready line (JSON with --json); bad flags exit 2 with a message, failures to start exit 1.
// `fault …` and `inject …` instead send one request to a running emulator's admin API.
import { adminCommands, parseAdminCommandLine } from './cli-admin.js';
import { parseCommandLine } from './cli-options.js';
import { startEmulator } from './emulator.js';
import { maskNumber } from './identity.js';

/** Sends the admin request; prints the answer; 0 when the emulator took it, 1 when it refused or was unreachable. */
async function runAdminCommand(argv: readonly string[]): Promise<number> {
  const commandLine = parseAdminCommandLine(argv);
  if (commandLine.kind === 'exit') {
    (commandLine.code === 0 ? process.stdout : process.stderr).write(commandLine.output);
    return commandLine.code;
  }
  try {
    const response = await fetch(`${commandLine.url}/_emulator${commandLine.path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(commandLine.body),
    });
    const text = await response.text();
    (response.ok ? process.stdout : process.stderr).write(`${text}\n`);
    return response.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`error: the emulator at ${commandLine.url} is unreachable: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

async function main(): Promise<number | undefined> {
  const argv = process.argv.slice(2);
  if ((adminCommands as readonly string[]).includes(argv[0] ?? '')) return runAdminCommand(argv);
  const commandLine = parseCommandLine(argv);
  if (commandLine.kind === 'exit') {
    (commandLine.code === 0 ? process.stdout : process.stderr).write(commandLine.output);
    return commandLine.code;
  }
  let emulator;
  try {
    emulator = await startEmulator(commandLine.options);
  } catch (error) {
    process.stderr.write(`error: cannot start the emulator: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const ready = {
    account: maskNumber(emulator.account),
    restUrl: emulator.restUrl ?? null,
    jsonRpcUrl: emulator.jsonRpcUrl ?? null,
    jsonRpcUrls: emulator.jsonRpcUrls,
    adminUrl: emulator.adminUrl ?? null,
  };
  if (commandLine.json) process.stdout.write(`${JSON.stringify(ready)}\n`);
  else {
    const parts = [`rest=${ready.restUrl ?? 'off'}`, ...ready.jsonRpcUrls.map((url) => `jsonrpc=${url}`)];
    if (ready.adminUrl !== null) parts.push(`admin=${ready.adminUrl}`);
    process.stdout.write(`signal emulator ready for ${ready.account}: ${parts.join(' ')}\n`);
  }
  let stopping = false;
  const shutdown = () => {
    // A second signal exits at once.
    if (stopping) process.exit(1);
    stopping = true;
    void emulator.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  return undefined;
}

void main().then((code) => {
  if (code !== undefined) process.exitCode = code;
});
