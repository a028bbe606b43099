// @tether/cli as a library: the control-API client and the shell that the `tether` binary runs,
// for scripts and tools that want tetherd's API without spawning a process.
export { runCli } from './shell.js';
export type { ShellIo } from './shell.js';
export { ControlClient } from './client/control-client.js';
export type { EventQuery, EventStream } from './client/control-client.js';
export { resolveConnection } from './client/connection.js';
export type { Connection } from './client/connection.js';
export { followEvents } from './client/follow-events.js';
export type { FollowOptions } from './client/follow-events.js';
export { SseParser } from './client/sse-parser.js';
export type { ServerEvent } from './client/sse-parser.js';
export { ExitError, EXIT } from './exit-error.js';
export type { ExitCode } from './exit-error.js';
