// The emulator's faults over its parts: the shared signal-cli, the freeze gate and the two
// backends. Each is a small move on one of them; the README's "Faults" table says what it imitates.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeauthorizeOptions, EmulatorFaults } from './emulator-types.js';
import type { FreezeGate } from './freeze-gate.js';
import type { JsonRpcBackend } from './json-rpc/json-rpc-backend.js';
import type { RestBackend } from './rest/rest-backend.js';
import type { SignalCli, SignalCliState } from './signal-cli.js';

export interface FaultParts {
  signalCli: SignalCli;
  gate: FreezeGate;
  rest: RestBackend | undefined;
  jsonRpc: JsonRpcBackend | undefined;
  startAll(): Promise<void>;
  stopAll(): Promise<void>;
  isClosed(): boolean;
}

export function faultControls(parts: FaultParts): EmulatorFaults {
  const { signalCli, gate, rest, jsonRpc } = parts;
  const backends = [rest, jsonRpc].filter((backend) => backend !== undefined);
  const accountOf = (account: string | undefined) => {
    const chosen = account ?? signalCli.account;
    if (!signalCli.accounts.includes(chosen)) throw new RangeError('account is not one the emulator serves');
    return chosen;
  };
  let restarting: AbortController | undefined;

  const faults: EmulatorFaults = {
    dropConnections() {
      for (const backend of backends) backend.dropConnections();
    },
    stop: () => parts.stopAll(),
    async restart() {
      if (parts.isClosed()) throw new Error('the emulator is closed');
      await parts.stopAll();
      await parts.startAll();
    },
    freeze: () => gate.freeze(),
    unfreeze: () => gate.unfreeze(),
    failNextSends: (count, failure) => signalCli.faults.fail(count, failure),
    rateLimitNextSends: (count, rateLimit = {}) => signalCli.faults.rateLimit(count, rateLimit),
    hangNextSends: (count, hang = {}) => signalCli.faults.hang(count, hang),
    answerHungSends: () => signalCli.answerHung(),
    setLatency(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('latency must be a non-negative number of milliseconds');
      signalCli.latencyMs = ms;
    },
    setSignalCli(state: SignalCliState) {
      if (!['up', 'down', 'starting'].includes(state)) throw new TypeError("state must be 'up', 'down' or 'starting'");
      signalCli.state = state;
      for (const backend of backends) backend.pump();
    },
    async restartSignalCli(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('ms must be a non-negative number of milliseconds');
      restarting?.abort();
      const current = new AbortController();
      restarting = current;
      // The daemon process dies: its sockets close, and it listens again after `ms`.
      const daemon = jsonRpc === undefined || !jsonRpc.running
        ? Promise.resolve()
        : jsonRpc.stop().then(async () => {
            await sleep(ms, undefined, { signal: current.signal }).catch(() => undefined);
            if (!parts.isClosed()) await jsonRpc.start();
          });
      await Promise.all([rest?.restartSignalCli(ms), daemon]);
      if (restarting === current) restarting = undefined;
    },
    slowSocketWrites(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('ms must be a non-negative number of milliseconds');
      if (rest !== undefined) rest.slowWritesMs = ms;
    },
    deauthorize(options: DeauthorizeOptions = {}) {
      const status = options.status ?? 401;
      if (status !== 401 && status !== 403) throw new RangeError('status must be 401 or 403');
      signalCli.unauthorized.set(accountOf(options.account), status);
    },
    reauthorize(account) {
      signalCli.unauthorized.delete(accountOf(account));
    },
    clearFaults() {
      signalCli.faults.clear();
      signalCli.latencyMs = 0;
      signalCli.unauthorized.clear();
      if (rest !== undefined) rest.slowWritesMs = 0;
      restarting?.abort();
      rest?.endSignalCliRestart();
      gate.unfreeze();
      faults.setSignalCli('up');
    },
  };
  return faults;
}
