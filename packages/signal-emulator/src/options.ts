// The emulator's one options type, its defaults, and their resolution (validated once, at start).
import type { GroupDefinition } from './groups.js';
import { isE164 } from './identity.js';
import type { ReceiveMode } from './json-rpc/receive-hub.js';
import type { SendResponseShape } from './rest/send-handler.js';

export type { ReceiveMode, SendResponseShape };

export interface EmulatorOptions {
  /** E.164 number of the default account: injections that name none go to it. @default the first of `accounts` */
  account?: string;
  /**
   * Every account the emulated signal-cli serves (a multi-account daemon, as signal-cli-rest-api
   * runs it). `account` is added in front when it is not listed. @default [account]
   */
  accounts?: readonly string[];
  /** signal-cli-rest-api (MODE=json-rpc) on 127.0.0.1; `false` disables it. @default { port: 0 } (a random port) */
  rest?: { port?: number } | false;
  /** signal-cli's JSON-RPC daemon. Without `tcp` and `unix`, TCP on a random port. @default disabled */
  jsonRpc?: {
    tcp?: { port?: number } | undefined;
    unix?: string | undefined;
    /** signal-cli's `--receive-mode`. @default 'on-start' */
    receiveMode?: ReceiveMode;
  };
  /** A separate admin HTTP server (the same `/_emulator/` API as on the REST port). @default none */
  admin?: { port?: number };
  /** Server WebSocket ping interval on the REST backend. @default 54_000 */
  restPingIntervalMs?: number;
  /**
   * How often signal-cli-rest-api redials signal-cli after losing it (`restartSignalCli`); after 15
   * failed attempts it exits, as the real one does (R:src/client/jsonrpc2.go). @default 2_000
   */
  restRedialIntervalMs?: number;
  /** `/v2/send` success body: release 0.100 `{"timestamp":"…"}` or master's array. @default '0.100' */
  sendResponseShape?: SendResponseShape;
  /** Append every accepted send to this NDJSON file and reload it at start. @default none */
  recordFile?: string;
  /** Millisecond timestamp source for envelopes, send timestamps and records. @default Date.now */
  clock?: () => number;
  /** Groups the account belongs to (more are learned from injected group messages). @default [] */
  groups?: readonly GroupDefinition[];
}

export const emulatorDefaults = {
  restPort: 0,
  restPingIntervalMs: 54_000,
  restRedialIntervalMs: 2_000,
  sendResponseShape: '0.100',
  receiveMode: 'on-start',
} as const satisfies {
  restPort: number;
  restPingIntervalMs: number;
  restRedialIntervalMs: number;
  sendResponseShape: SendResponseShape;
  receiveMode: ReceiveMode;
};

export const receiveModes: readonly ReceiveMode[] = ['on-start', 'on-connection', 'manual'];

export interface ResolvedOptions {
  account: string;
  accounts: readonly string[];
  restPort: number | undefined;
  jsonRpc: { tcpPort: number | undefined; unixPath: string | undefined; receiveMode: ReceiveMode } | undefined;
  adminPort: number | undefined;
  restPingIntervalMs: number;
  restRedialIntervalMs: number;
  sendResponseShape: SendResponseShape;
  recordFile: string | undefined;
  clock: () => number;
  groups: readonly GroupDefinition[];
}

export function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  const accounts = [...new Set([...(options.account === undefined ? [] : [options.account]), ...(options.accounts ?? [])])];
  if (accounts.length === 0) throw new TypeError('give account (or accounts): the E.164 number(s) the emulator serves');
  for (const each of accounts) if (!isE164(each)) throw new TypeError('account must be an E.164 number such as +4915112345678');
  const jsonRpc = options.jsonRpc;
  const tcp = jsonRpc?.tcp ?? (jsonRpc !== undefined && jsonRpc.unix === undefined ? {} : undefined);
  const resolved: ResolvedOptions = {
    account: accounts[0] as string,
    accounts,
    restPort: options.rest === false ? undefined : port(options.rest?.port ?? emulatorDefaults.restPort),
    jsonRpc:
      jsonRpc === undefined
        ? undefined
        : {
            tcpPort: tcp === undefined ? undefined : port(tcp.port ?? 0),
            unixPath: jsonRpc.unix,
            receiveMode: jsonRpc.receiveMode ?? emulatorDefaults.receiveMode,
          },
    adminPort: options.admin === undefined ? undefined : port(options.admin.port ?? 0),
    restPingIntervalMs: options.restPingIntervalMs ?? emulatorDefaults.restPingIntervalMs,
    restRedialIntervalMs: options.restRedialIntervalMs ?? emulatorDefaults.restRedialIntervalMs,
    sendResponseShape: options.sendResponseShape ?? emulatorDefaults.sendResponseShape,
    recordFile: options.recordFile,
    clock: options.clock ?? Date.now,
    groups: options.groups ?? [],
  };
  if (resolved.jsonRpc !== undefined && !receiveModes.includes(resolved.jsonRpc.receiveMode)) {
    throw new TypeError("jsonRpc.receiveMode must be 'on-start', 'on-connection' or 'manual'");
  }
  if (!['0.100', 'master'].includes(resolved.sendResponseShape)) throw new TypeError("sendResponseShape must be '0.100' or 'master'");
  if (!(resolved.restPingIntervalMs > 0)) throw new RangeError('restPingIntervalMs must be positive');
  if (!(resolved.restRedialIntervalMs > 0)) throw new RangeError('restRedialIntervalMs must be positive');
  return resolved;
}

function port(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 65_535) throw new RangeError(`invalid port ${value}`);
  return value;
}
