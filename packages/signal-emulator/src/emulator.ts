// startEmulator: wires the emulated signal-cli to the backends that were asked for, and turns
// injections into frames delivered by each backend's own rules.
import { createAdminHandler, type AdminHandler } from './admin/admin-api.js';
import { AdminServer } from './admin/admin-server.js';
import type { Emulator, DroppedRecord } from './emulator-types.js';
import { buildMessageEnvelope, buildReactionEnvelope, buildReceiptEnvelope, buildTypingEnvelope } from './envelope.js';
import type { Envelope, ReceiveFrame } from './envelope-types.js';
import { FreezeGate } from './freeze-gate.js';
import { assertGroupId, GroupRegistry } from './groups.js';
import { JsonRpcBackend } from './json-rpc/json-rpc-backend.js';
import { resolveOptions, type EmulatorOptions } from './options.js';
import { RestBackend } from './rest/rest-backend.js';
import { SentLog, type BackendKind } from './sent-log.js';
import { SignalCli } from './signal-cli.js';

/** How many of the latest injected envelopes `redeliver()` can find. */
const redeliverable = 50_000;

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const resolved = resolveOptions(options);
  const sentLog = new SentLog(resolved.recordFile);
  const signalCli = new SignalCli(resolved.account, resolved.clock, sentLog, new GroupRegistry(resolved.groups));
  const gate = new FreezeGate();
  const droppedLog: DroppedRecord[] = [];
  const injected = new Map<number, ReceiveFrame>();
  let requests = 0;
  let closed = false;
  const dropped = (backend: BackendKind) => (frame: ReceiveFrame) =>
    droppedLog.push({ timestamp: frame.envelope?.timestamp ?? 0, at: resolved.clock(), backend });
  const counted = () => {
    requests += 1;
  };

  let adminServer: AdminServer | undefined;
  // The admin API on the REST port needs the emulator it drives, which is built below.
  const restAdmin: { handler?: AdminHandler } = {};
  const admin: AdminHandler = async (request, response) => restAdmin.handler?.(request, response);
  const rest =
    resolved.restPort === undefined
      ? undefined
      : new RestBackend(
          signalCli,
          gate,
          { port: resolved.restPort, pingIntervalMs: resolved.restPingIntervalMs, sendResponseShape: resolved.sendResponseShape },
          { dropped: dropped('rest'), counted, admin },
        );
  const jsonRpc =
    resolved.jsonRpc === undefined
      ? undefined
      : new JsonRpcBackend(signalCli, gate, resolved.jsonRpc, { dropped: dropped('jsonrpc'), counted });
  const backends = [rest, jsonRpc].filter((backend) => backend !== undefined);

  const deliver = (frame: ReceiveFrame) => {
    for (const backend of backends) backend.deliver(frame);
  };
  const injectEnvelope = (envelope: Envelope) => {
    const frame: ReceiveFrame = { envelope, account: resolved.account };
    injected.set(envelope.timestamp, frame);
    // Bounded, so a long soak does not keep every envelope alive just in case it is redelivered.
    if (injected.size > redeliverable) injected.delete(injected.keys().next().value as number);
    deliver(frame);
    return envelope;
  };
  const times = (timestamp: number | undefined) => ({
    timestamp: timestamp ?? signalCli.nextTimestamp(),
    serverTimestamp: Math.floor(resolved.clock()),
  });
  const startAll = async () => {
    for (const backend of backends) await backend.start();
  };
  const stopAll = async () => {
    gate.reset();
    await Promise.all(backends.map((backend) => backend.stop()));
  };

  const emulator: Emulator = {
    account: resolved.account,
    get restUrl() {
      return rest?.url;
    },
    get jsonRpcUrl() {
      return jsonRpc?.urls[0];
    },
    get jsonRpcUrls() {
      return jsonRpc?.urls ?? [];
    },
    get adminUrl() {
      return adminServer?.url;
    },
    inject(message = {}) {
      if (message.groupId !== undefined) assertGroupId(message.groupId);
      const envelope = buildMessageEnvelope({ ...message, ...times(message.timestamp) });
      if (message.groupId !== undefined) {
        signalCli.groups.learn(message.groupId, message.groupName, envelope.sourceNumber ?? envelope.sourceUuid);
      }
      return injectEnvelope(envelope);
    },
    injectReceipt: (receipt) => injectEnvelope(buildReceiptEnvelope({ ...receipt, ...times(receipt.timestamp) })),
    injectReaction: (reaction) => injectEnvelope(buildReactionEnvelope({ ...reaction, ...times(reaction.timestamp) })),
    injectTyping: (typing = {}) => injectEnvelope(buildTypingEnvelope({ ...typing, ...times(typing.timestamp) })),
    injectFrame: (frame) => deliver(frame as ReceiveFrame),
    redeliver(envelopeTimestamp) {
      const frame = injected.get(envelopeTimestamp);
      if (frame?.envelope === undefined) throw new RangeError(`no injected envelope with timestamp ${envelopeTimestamp}`);
      deliver(frame);
      return frame.envelope;
    },
    sent: () => sentLog.all(),
    dropped: () => droppedLog.map((record) => ({ ...record })),
    stats: () => ({
      restClients: rest?.clients ?? 0,
      jsonRpcClients: jsonRpc?.clients ?? 0,
      subscriptions: jsonRpc?.subscriptions ?? 0,
      requests,
    }),
    submittedChallenges: () => signalCli.challenges.map((challenge) => ({ ...challenge })),
    dropConnections() {
      for (const backend of backends) backend.dropConnections();
    },
    stop: stopAll,
    async restart() {
      if (closed) throw new Error('the emulator is closed');
      await stopAll();
      await startAll();
    },
    freeze: () => gate.freeze(),
    unfreeze: () => gate.unfreeze(),
    failNextSends: (count, failure) => signalCli.faults.fail(count, failure),
    rateLimitNextSends: (count, rateLimit = {}) => signalCli.faults.rateLimit(count, rateLimit),
    hangNextSends: (count, hang = {}) => signalCli.faults.hang(count, hang),
    setLatency(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('latency must be a non-negative number of milliseconds');
      signalCli.latencyMs = ms;
    },
    setSignalCli(state) {
      if (!['up', 'down', 'starting'].includes(state)) throw new TypeError("state must be 'up', 'down' or 'starting'");
      signalCli.state = state;
      for (const backend of backends) backend.pump();
    },
    clearFaults() {
      signalCli.faults.clear();
      signalCli.latencyMs = 0;
      gate.unfreeze();
      emulator.setSignalCli('up');
    },
    async close() {
      if (closed) return;
      closed = true;
      await stopAll();
      await adminServer?.close();
      sentLog.close();
    },
    [Symbol.asyncDispose]: () => emulator.close(),
  };

  restAdmin.handler = createAdminHandler(emulator, { adminOnRestPort: true });
  try {
    await startAll();
    if (resolved.adminPort !== undefined) {
      adminServer = new AdminServer(createAdminHandler(emulator, { adminOnRestPort: false }));
      await adminServer.start(resolved.adminPort);
    }
  } catch (error) {
    await emulator.close();
    throw error;
  }
  return emulator;
}
