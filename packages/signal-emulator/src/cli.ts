#!/usr/bin/env node
// tether-signal-emulator: runs the emulator as its own process until SIGTERM or SIGINT. Prints one
// ready line (JSON with --json); bad flags exit 2 with a message, failures to start exit 1.
import { parseCommandLine } from './cli-options.js';
import { startEmulator } from './emulator.js';
import { maskNumber } from './identity.js';

async function main(): Promise<number | undefined> {
  const commandLine = parseCommandLine(process.argv.slice(2));
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
