// @tether/daemon: tetherd as a library (start it in-process for tests and embedding) plus the
// control API's protocol types (`@tether/daemon/protocol`, free of the daemon's runtime).
export { startDaemon, ConfigError, StartupError } from './compose.js';
export type { RunningDaemon } from './compose.js';
export { runDaemon } from './bin/run.js';
export { resolveConfig } from './config/config.js';
export type { ConfigResult, ConfigSources } from './config/config.js';
export { SETTINGS } from './config/settings.js';
export type { Settings, LogLevel } from './config/settings.js';
export { createLogger } from './runtime/logger.js';
export type * from './protocol/index.js';
