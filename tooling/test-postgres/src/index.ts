// @tether/test-postgres: a throwaway PostgreSQL server for Tether's tests and benchmarks.
export { BINARIES_PACKAGE, findBinaries, MissingBinariesError } from './binaries.js';
export type { Binaries } from './binaries.js';
export { ServerStartError } from './server-process.js';
export { NOBODY, startTestPostgres } from './test-postgres.js';
export type { TestPostgres, TestPostgresOptions } from './test-postgres.js';
