// Resolves the settings once, at start: flags over TETHER_* over the JSON config file over the
// defaults. Returns every problem at once, each naming the setting, where it came from and the fix.
import { readFileSync } from 'node:fs';
import { SETTINGS, type Settings } from './settings.js';

export type ConfigResult = { readonly ok: true; readonly settings: Settings } | { readonly ok: false; readonly errors: readonly string[] };

export interface ConfigSources {
  /** Flag values by setting key, as text (from commander). */
  readonly flags: Readonly<Partial<Record<keyof Settings, string>>>;
  readonly env: NodeJS.ProcessEnv;
  /** Path of the JSON config file (`--config` or TETHER_CONFIG). */
  readonly configFile?: string | undefined;
}

export function resolveConfig(sources: ConfigSources): ConfigResult {
  const errors: string[] = [];
  const file = readConfigFile(sources.configFile, errors);
  const resolved: Partial<Record<keyof Settings, unknown>> = {};
  for (const setting of SETTINGS) {
    const fromFlag = sources.flags[setting.key];
    const fromEnv = sources.env[setting.env];
    const fromFile = file[setting.key];
    const [raw, origin] =
      fromFlag !== undefined ? [fromFlag, setting.flag] : fromEnv !== undefined ? [fromEnv, setting.env] : fromFile !== undefined ? [fileText(fromFile), `"${setting.key}" in ${sources.configFile}`] : [undefined, ''];
    if (raw === undefined) {
      resolved[setting.key] = setting.fallback(resolved as Partial<Settings>, sources.env);
      continue;
    }
    const parsed = setting.parse(raw);
    if ('error' in parsed) errors.push(`${setting.env} (${origin}) ${parsed.error}`);
    else resolved[setting.key] = parsed.value;
  }
  for (const key of Object.keys(file)) {
    if (!SETTINGS.some((setting) => setting.key === key)) errors.push(`"${key}" in ${sources.configFile} is not a setting; known: ${SETTINGS.map((setting) => setting.key).join(', ')}`);
  }
  const settings = resolved as Settings;
  if (!settings.account && !errors.some((error) => error.startsWith('TETHER_ACCOUNT'))) {
    errors.push('TETHER_ACCOUNT is required: set it (or --account) to the Signal account number in E.164, e.g. +4915112345678');
  }
  if (settings.listen && !settings.tokenFile) errors.push('TETHER_LISTEN needs TETHER_TOKEN_FILE: the TCP control API is never served without a bearer token');
  if (settings.backoffInitialMs !== undefined && settings.backoffMaxMs !== undefined && settings.backoffMaxMs < settings.backoffInitialMs) {
    errors.push('TETHER_BACKOFF_MAX_MS must not be below TETHER_BACKOFF_INITIAL_MS');
  }
  if (settings.webhookUrl && !settings.webhookSecret) errors.push('TETHER_WEBHOOK_URL needs TETHER_WEBHOOK_SECRET to sign deliveries');
  return errors.length > 0 ? { ok: false, errors } : { ok: true, settings };
}

function readConfigFile(file: string | undefined, errors: string[]): Record<string, unknown> {
  if (!file) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    errors.push(`the config file ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return {};
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    errors.push(`the config file ${file} must hold one JSON object`);
  } catch (error) {
    errors.push(`the config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  return {};
}

function fileText(value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' ? value : JSON.stringify(value);
}
