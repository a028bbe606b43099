// Every setting of tetherd (DECISIONS.md §7) in one table: its environment variable, its flag,
// how its text is parsed and checked, and its default. Flags win over TETHER_* variables, which
// win over the JSON config file, which wins over the defaults. A bad value names the setting and
// the fix; nothing starts half-configured.
import os from 'node:os';
import { defaultSocketPath, defaultStateDir as protocolStateDir } from '../protocol/index.js';
import { parseSignalUrl } from '@tether/signal-transport';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface Settings {
  readonly signalUrl: string;
  readonly account: string;
  /** An assertion: signal-cli's mode is detected; a daemon that contradicts this fails the link. */
  readonly receiveMode: 'manual' | 'on-start' | undefined;
  readonly stateDir: string;
  readonly socket: string;
  readonly listen: { readonly host: string; readonly port: number } | undefined;
  readonly tokenFile: string | undefined;
  readonly logLevel: LogLevel;
  readonly backoffInitialMs: number | undefined;
  readonly backoffMaxMs: number | undefined;
  readonly connectTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly sendTimeoutMs: number;
  readonly unknownPolicy: 'at-least-once' | 'at-most-once';
  readonly outboxMax: number;
  readonly maxAttachmentMb: number;
  readonly maxInflightMb: number;
  readonly sendRate: number | undefined;
  readonly sendBurst: number | undefined;
  readonly sentRetentionHours: number;
  readonly inboundRetentionHours: number;
  readonly allowFrom: readonly string[] | undefined;
  readonly shutdownTimeoutMs: number;
  readonly webhookUrl: string | undefined;
  readonly webhookSecret: string | undefined;
  readonly webhookRetryMaxMs: number;
  readonly webhookTimeoutMs: number;
  readonly compatListen: { readonly host: string; readonly port: number } | undefined;
  readonly compatSend: 'wait' | 'queue';
  readonly compatWaitMs: number;
  readonly probeIntervalMs: number;
  readonly databaseUrl: string | undefined;
  readonly leaseMs: number;
  readonly instanceId: string | undefined;
  readonly unauthorizedRetryMs: number;
}

type Parsed<T> = { readonly value: T } | { readonly error: string };
type Parser<T> = (text: string) => Parsed<T>;

export interface SettingSpec<K extends keyof Settings = keyof Settings> {
  readonly key: K;
  readonly env: string;
  readonly flag: string;
  readonly description: string;
  readonly parse: Parser<Settings[K]>;
  /** Computed from the settings resolved so far (defaults that depend on other settings). */
  readonly fallback: (settings: Partial<Settings>, env: NodeJS.ProcessEnv) => Settings[K];
}

// the default bound is the longest timer Node can wait (DECISIONS.md §3); larger values fire at once
const integer = (min: number, max = 2 ** 31 - 1): Parser<number> => (text) => {
  const value = Number(text);
  return Number.isInteger(value) && value >= min && value <= max ? { value } : { error: `must be a whole number from ${min} to ${max}, got "${text}"` };
};
const optional = <T>(parser: Parser<T>): Parser<T | undefined> => (text) => (text === '' ? { value: undefined } : parser(text));
const oneOf = <T extends string>(...values: T[]): Parser<T> => (text) =>
  (values as string[]).includes(text) ? { value: text as T } : { error: `must be one of ${values.join(', ')}, got "${text}"` };
const text: Parser<string> = (value) => (value.trim() === '' ? { error: 'must not be empty' } : { value });
const E164 = /^\+[1-9][0-9]{6,14}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `HOST:PORT` on a loopback IP literal only: the control and compat listeners are never exposed,
 * and a name is never trusted to resolve to loopback (`127.0.0.1.nip.io` is a public name).
 */
export const loopbackAddress: Parser<{ host: string; port: number }> = (value) => {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value);
  if (!match) return { error: `must be HOST:PORT, e.g. 127.0.0.1:8765, got "${value}"` };
  const host = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  const ipv4Loopback = /^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/.test(host);
  if (!ipv4Loopback && host !== '::1') {
    return { error: `must be a loopback IP address (127.0.0.1 or [::1]); "${host}" would expose the API or is a name that could resolve elsewhere` };
  }
  if (port > 65_535) return { error: `port must be 0 (any free port) to 65535, got ${port}` };
  return { value: { host, port } };
};

const defaultStateDir = (env: NodeJS.ProcessEnv): string => protocolStateDir({ ...env, TETHER_STATE_DIR: undefined }, os.homedir());

function spec<K extends keyof Settings>(key: K, env: string, description: string, parse: Parser<Settings[K]>, fallback: SettingSpec<K>['fallback']): SettingSpec<K> {
  const flag = `--${env.replace(/^TETHER_/, '').toLowerCase().replaceAll('_', '-')}`;
  return { key, env, flag, description, parse, fallback };
}
const none = (): undefined => undefined;

export const SETTINGS: readonly SettingSpec[] = [
  spec('signalUrl', 'TETHER_SIGNAL_URL', 'the Signal backend: http(s)://host:port (signal-cli-rest-api), tcp://host:port or unix:/path (signal-cli daemon)', (value) => {
    const parsed = parseSignalUrl(value);
    return 'error' in parsed ? { error: parsed.error } : { value };
  }, () => 'http://127.0.0.1:8080'),
  spec('account', 'TETHER_ACCOUNT', "the Signal account's number, E.164 (required)", (value) =>
    E164.test(value) ? { value } : { error: 'must be the account number in E.164: + and 7 to 15 digits, e.g. +4915112345678' }, () => ''),
  spec('receiveMode', 'TETHER_RECEIVE_MODE', 'optional: the receive mode signal-cli must be in (manual or on-start); detected when absent, and a contradiction is an error', optional(oneOf('manual', 'on-start')), none),
  spec('stateDir', 'TETHER_STATE_DIR', 'where the outbox, the inbound spool and the lock live', text, (_, env) => defaultStateDir(env)),
  spec('socket', 'TETHER_SOCKET', 'the control API Unix socket', text, (settings, env) =>
    defaultSocketPath({ ...env, TETHER_SOCKET: undefined, TETHER_STATE_DIR: settings.stateDir }, os.homedir())),
  spec('listen', 'TETHER_LISTEN', 'optional loopback HOST:PORT for the control API over TCP (needs TETHER_TOKEN_FILE)', optional(loopbackAddress), none),
  spec('tokenFile', 'TETHER_TOKEN_FILE', 'file holding the bearer token for TETHER_LISTEN and TETHER_COMPAT_LISTEN', optional(text), none),
  spec('logLevel', 'TETHER_LOG_LEVEL', 'trace, debug, info, warn, error, fatal or silent', oneOf('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'), () => 'info' as const),
  spec('backoffInitialMs', 'TETHER_BACKOFF_INITIAL_MS', 'first reconnect delay (default: 250 REST, 1000 JSON-RPC)', optional(integer(0, 2 ** 31 - 1)), none),
  spec('backoffMaxMs', 'TETHER_BACKOFF_MAX_MS', 'longest reconnect delay (default: 5000 REST, 60000 JSON-RPC)', optional(integer(1, 2 ** 31 - 1)), none),
  spec('connectTimeoutMs', 'TETHER_CONNECT_TIMEOUT_MS', 'deadline of one connect attempt', integer(100), () => 10_000),
  spec('heartbeatIntervalMs', 'TETHER_HEARTBEAT_INTERVAL_MS', 'idle time before the link is pinged', integer(100), () => 30_000),
  spec('heartbeatTimeoutMs', 'TETHER_HEARTBEAT_TIMEOUT_MS', 'time a ping has to be answered', integer(100), () => 10_000),
  spec('sendTimeoutMs', 'TETHER_SEND_TIMEOUT_MS', 'deadline of one send; past it the outcome is unknown', integer(100), () => 30_000),
  spec('unknownPolicy', 'TETHER_UNKNOWN_POLICY', 'at-least-once (resend an unknown message once) or at-most-once', oneOf('at-least-once', 'at-most-once'), () => 'at-least-once' as const),
  spec('outboxMax', 'TETHER_OUTBOX_MAX', 'most queued messages; beyond it sends are refused with 507', integer(1), () => 100_000),
  spec('maxAttachmentMb', 'TETHER_MAX_ATTACHMENT_MB', 'attachment limit per message, MiB', integer(1, 1024), () => 100),
  spec('maxInflightMb', 'TETHER_MAX_INFLIGHT_MB', 'request bodies held in memory at once, MiB, all listeners together (attachments stream to the store and do not count); beyond it requests are answered 503 with Retry-After', integer(1, 65_536), () => 256),
  spec('sendRate', 'TETHER_SEND_RATE', 'optional pacing: messages per minute', optional(integer(1)), none),
  spec('sendBurst', 'TETHER_SEND_BURST', 'burst allowed by the pacing', optional(integer(1)), none),
  spec('sentRetentionHours', 'TETHER_SENT_RETENTION_HOURS', 'how long sent messages are kept', integer(0), () => 168),
  spec('inboundRetentionHours', 'TETHER_INBOUND_RETENTION_HOURS', 'how long spooled events are kept', integer(0), () => 168),
  spec('allowFrom', 'TETHER_ALLOW_FROM', 'optional comma-separated senders (E.164 or ACI) whose messages are accepted', optional((value) => {
    const entries = value.split(',').map((item) => item.trim()).filter(Boolean);
    const bad = entries.filter((entry) => !E164.test(entry) && !UUID.test(entry));
    return bad.length > 0 ? { error: `must list E.164 numbers (+ and digits) or ACI UUIDs; ${bad.length} entr${bad.length === 1 ? 'y is' : 'ies are'} neither` } : { value: entries };
  }), none),
  spec('shutdownTimeoutMs', 'TETHER_SHUTDOWN_TIMEOUT_MS', 'how long shutdown waits for the send in flight', integer(0), () => 10_000),
  spec('webhookUrl', 'TETHER_WEBHOOK_URL', 'optional URL that receives incoming events', optional(text), none),
  spec('webhookSecret', 'TETHER_WEBHOOK_SECRET', 'HMAC secret for webhook signatures', optional(text), none),
  spec('webhookRetryMaxMs', 'TETHER_WEBHOOK_RETRY_MAX_MS', 'longest wait between webhook retries (first retry after min(1 s, this))', integer(1, 2 ** 31 - 1), () => 60_000),
  spec('webhookTimeoutMs', 'TETHER_WEBHOOK_TIMEOUT_MS', 'how long one webhook delivery may take before it is retried', integer(100), () => 10_000),
  spec('compatListen', 'TETHER_COMPAT_LISTEN', 'optional loopback HOST:PORT for the signal-cli-rest-api compatible endpoint', optional(loopbackAddress), none),
  spec('compatSend', 'TETHER_COMPAT_SEND', 'wait (answer once Signal accepted) or queue', oneOf('wait', 'queue'), () => 'wait' as const),
  spec('probeIntervalMs', 'TETHER_PROBE_INTERVAL_MS', 'readiness probe interval while the link is up (a failing probe opens a loss window on REST)', integer(100), () => 5_000),
  spec('databaseUrl', 'TETHER_DATABASE_URL', 'optional postgres://… URL of a PostgreSQL database shared by several tetherds (active/standby); absent: SQLite in the state directory', optional((value) =>
    /^postgres(ql)?:\/\//.test(value) ? { value } : { error: 'must be a postgres:// or postgresql:// URL, e.g. postgres://tether@db.internal/tether' }), none),
  spec('leaseMs', 'TETHER_LEASE_MS', 'with a shared database: how long the leader lease lasts unless renewed (renewed about five times per lease)', integer(500, 600_000), () => 5_000),
  spec('instanceId', 'TETHER_INSTANCE_ID', 'with a shared database: this instance\'s name in status (default: host name and pid)', optional(text), none),
  spec('unauthorizedRetryMs', 'TETHER_UNAUTHORIZED_RETRY_MS', 'first retry after Signal refused the account (401/403: de-authorised); doubles up to 10 minutes (or this, if longer)', integer(100), () => 30_000),
  spec('compatWaitMs', 'TETHER_COMPAT_WAIT_MS', 'how long the compat endpoint waits before answering with a provisional timestamp (below common clients\' 4 s timeouts)', integer(0), () => 3_000),
];
