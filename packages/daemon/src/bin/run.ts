// Runs tetherd as a process: resolve the configuration, start, and handle signals. SIGTERM/SIGINT
// stop intake, let the send in flight finish within TETHER_SHUTDOWN_TIMEOUT_MS and exit 0; a
// second signal exits at once. A start that cannot go on prints one line and exits 1 (2 for
// configuration).
import { ConfigError, startDaemon, StartupError, type RunningDaemon } from '../compose.js';
import { resolveConfig, type ConfigSources } from '../config/config.js';

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
    // One line, never a stack trace: what failed, where, and the fix where we know it.
    const message = error instanceof StartupError || error instanceof ConfigError ? error.message : `could not start: ${(error as Error).message}`;
    process.stderr.write(`tetherd: ${message.replace(/\s*\n\s*/g, '; ')}\n`);
    return error instanceof ConfigError ? 2 : 1;
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
