// @tether/daemon: tetherd as a library (start it in-process for tests and embedding) plus the
// control API's protocol types (`@tether/daemon/protocol`, free of the daemon's runtime).
export { startDaemon, runDaemon } from './daemon.js';
export type { RunningDaemon } from './daemon.js';
export { resolveConfig } from './config.js';
export type { ConfigResult, ConfigSources } from './config.js';
export { SETTINGS } from './settings.js';
export type { Settings, LogLevel } from './settings.js';
export { createLogger } from './logger.js';
export type * from './protocol/index.js';
