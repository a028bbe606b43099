// @tether/test-helpers: what every package's tests need and should not each write again — a
// bounded wait that names what it waited for, HTTP requests over TCP or a Unix socket, a
// server-sent-events reader, and temporary directories. Private; never published.
export { within, WaitTimeoutError, WITHIN_DEFAULT_MS } from './within.js';
export { request, parseJson } from './http-request.js';
export type { HttpReply, RequestOptions } from './http-request.js';
export { EventStream } from './event-stream.js';
export type { EventStreamOptions } from './event-stream.js';
export { SseParser } from './sse-parser.js';
export type { SseEvent } from './sse-parser.js';
export { tempDir } from './temp-dir.js';
export type { TempDir } from './temp-dir.js';
