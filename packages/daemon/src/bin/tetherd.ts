#!/usr/bin/env node
// tetherd: the Tether daemon. Every setting is a flag, a TETHER_* variable, or a key of the JSON
// config file (--config / TETHER_CONFIG); `tetherd --help` lists them.
import { Command, CommanderError } from 'commander';
import { runDaemon } from './run.js';
import { SETTINGS, type Settings } from '../config/settings.js';

const program = new Command('tetherd')
  .description('Tether daemon: holds one Signal account connected, with a durable outbox and inbound spool.')
  .option('--config <file>', 'JSON config file (also TETHER_CONFIG)')
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });
for (const setting of SETTINGS) program.option(`${setting.flag} <value>`, `${setting.description} [${setting.env}]`);

try {
  program.parse(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  throw error;
}
const options = program.opts<Record<string, string | undefined>>();
const flags: Partial<Record<keyof Settings, string>> = {};
for (const setting of SETTINGS) {
  const value = options[camel(setting.flag.slice(2))];
  if (value !== undefined) flags[setting.key] = value;
}
const code = await runDaemon({ flags, env: process.env, configFile: options['config'] ?? process.env['TETHER_CONFIG'] });
if (code !== undefined) process.exit(code);

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
