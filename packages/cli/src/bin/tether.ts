#!/usr/bin/env node
// tether: the command line for tetherd. Wires the process (argv, streams, Ctrl-C) to the shell,
// then exits with the code it picked once stdout has been flushed.
import { runCli } from '../shell.js';

const interrupt = new AbortController();
let interrupts = 0;
const onSignal = (): void => {
  interrupts++;
  // The first Ctrl-C lets the command stop cleanly (the demo cleans up); a second one insists.
  if (interrupts > 1) process.exit(1);
  interrupt.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// A closed pipe (`tether receive | head -1`) ends the command quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') interrupt.abort();
});

const code = await runCli({ argv: process.argv.slice(2), env: process.env, stdin: () => process.stdin, stdout: process.stdout, stderr: process.stderr, signal: interrupt.signal });
process.stdout.write('', () => process.exit(code));
