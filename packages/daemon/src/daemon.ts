// Runs tetherd: configuration, logger, gateway and listeners; SIGTERM/SIGINT stop intake, let
// the send in flight finish within TETHER_SHUTDOWN_TIMEOUT_MS and exit 0; a second signal exits
// at once.
import { readFileSync } from 'node:fs';
import { listen, type Listeners } from './api/server.js';
import { startCompat, type CompatListener } from './compat/server.js';
import { resolveConfig, type ConfigSources } from './config.js';
import { Gateway, StartupError } from './gateway.js';
import { createLogger, type DaemonLogger } from './logger.js';
import type { Settings } from './settings.js';

export interface RunningDaemon {
  readonly gateway: Gateway;
  readonly listeners: Listeners;
  readonly logger: DaemonLogger;
  stop(): Promise<void>;
}

export class ConfigError extends Error {}

export async function startDaemon(settings: Settings, logger: DaemonLogger = createLogger(settings.logLevel)): Promise<RunningDaemon> {
  let token: string | undefined;
  if (settings.tokenFile) {
    try {
      token = readFileSync(settings.tokenFile, 'utf8').trim();
    } catch (error) {
      throw new ConfigError(`TETHER_TOKEN_FILE ${settings.tokenFile} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (token.length < 16) throw new ConfigError(`TETHER_TOKEN_FILE ${settings.tokenFile} must hold a token of at least 16 characters`);
  }
  const gateway = new Gateway(settings, logger);
  let listeners: Listeners;
  try {
    listeners = await listen(gateway, { socketPath: settings.socket, ...(settings.listen ? { tcp: settings.listen } : {}), ...(token ? { token } : {}) });
  } catch (error) {
    await gateway.close();
    throw new StartupError((error as Error).message);
  }
  let compat: CompatListener | undefined;
  if (settings.compatListen) {
    try {
      compat = await startCompat(gateway, { logger, ...(token ? { token } : {}) });
    } catch (error) {
      await listeners.close();
      await gateway.close();
      throw new StartupError(`TETHER_COMPAT_LISTEN: ${(error as Error).message}`);
    }
  }
  await gateway.start();
  logger.info({ socket: listeners.socketPath, tcp: listeners.tcpAddress }, 'control API listening');
  if (compat) logger.info({ compat: compat.address, token: token !== undefined }, 'compat API listening');
  let stopping: Promise<void> | undefined;
  return {
    gateway,
    listeners,
    logger,
    stop: () =>
      (stopping ??= (async () => {
        logger.info({ graceMs: settings.shutdownTimeoutMs }, 'tetherd stopping');
        const closing = listeners.close();
        await compat?.close();
        await gateway.close();
        await closing;
        logger.info({}, 'tetherd stopped');
      })()),
  };
}

/** The tetherd process: resolve config, start, handle signals. Returns the exit code on failure to start. */
export async function runDaemon(sources: ConfigSources): Promise<number | undefined> {
  const config = resolveConfig(sources);
  if (!config.ok) {
    process.stderr.write(`tetherd: invalid configuration:\n${config.errors.map((error) => `  - ${error}`).join('\n')}\n`);
    return 2;
  }
  let daemon: RunningDaemon;
  try {
    daemon = await startDaemon(config.settings);
  } catch (error) {
    if (error instanceof StartupError || error instanceof ConfigError) {
      process.stderr.write(`tetherd: ${error.message}\n`);
      return error instanceof ConfigError ? 2 : 1;
    }
    throw error;
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      daemon.logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(130); // at once, as asked: not even the log is waited for
    }
    daemon.logger.info({ signal }, 'shutdown requested');
    void daemon.stop().then(() => daemon.logger.flush(() => process.exit(0)));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return undefined;
}
