// startEmulator: wires the emulated signal-cli to the backends that were asked for, and turns
// injections into frames delivered by each backend's own rules.
import { createAdminHandler, type AdminHandler } from './admin/admin-api.js';
import { AdminServer } from './admin/admin-server.js';
import type { DropReason, DroppedRecord, Emulator } from './emulator-types.js';
import { buildMessageEnvelope, buildReactionEnvelope, buildReceiptEnvelope, buildTypingEnvelope } from './envelope.js';
import type { Envelope, ReceiveFrame } from './envelope-types.js';
import { faultControls } from './fault-controls.js';
import { FreezeGate } from './freeze-gate.js';
import { assertGroupId, GroupRegistry } from './groups.js';
import { JsonRpcBackend } from './json-rpc/json-rpc-backend.js';
import { resolveOptions, type EmulatorOptions } from './options.js';
import { buildPartEnvelope } from './parts.js';
import { RestBackend } from './rest/rest-backend.js';
import { SentLog, type BackendKind } from './sent-log.js';
import { SignalCli } from './signal-cli.js';

/** How many of the latest injected envelopes `redeliver()` can find. */
const redeliverable = 50_000;

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const resolved = resolveOptions(options);
  const sentLog = new SentLog(resolved.recordFile);
  const signalCli = new SignalCli(resolved.accounts, resolved.clock, sentLog, new GroupRegistry(resolved.groups));
  const gate = new FreezeGate();
  const droppedLog: DroppedRecord[] = [];
  const injected = new Map<number, ReceiveFrame>();
  let requests = 0;
  let closed = false;
  const dropped = (backend: BackendKind) => (frame: ReceiveFrame, reason: DropReason) =>
    droppedLog.push({ timestamp: frame.envelope?.timestamp ?? 0, at: resolved.clock(), backend, account: frame.account, reason });
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
          {
            port: resolved.restPort,
            pingIntervalMs: resolved.restPingIntervalMs,
            redialIntervalMs: resolved.restRedialIntervalMs,
            sendResponseShape: resolved.sendResponseShape,
          },
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
  const accountOf = (account: string | undefined) => {
    const chosen = account ?? resolved.account;
    if (!resolved.accounts.includes(chosen)) throw new RangeError('account is not one the emulator serves');
    return chosen;
  };
  const injectEnvelope = (envelope: Envelope, account: string | undefined) => {
    const frame: ReceiveFrame = { envelope, account: accountOf(account) };
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
  const faults = faultControls({ signalCli, gate, rest, jsonRpc, startAll, stopAll, isClosed: () => closed });

  const emulator: Emulator = {
    account: resolved.account,
    accounts: resolved.accounts,
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
    inject({ account, ...message } = {}) {
      if (message.groupId !== undefined) assertGroupId(message.groupId);
      accountOf(account);
      const envelope = buildMessageEnvelope({ ...message, ...times(message.timestamp) });
      if (message.groupId !== undefined) {
        signalCli.groups.learn(message.groupId, message.groupName, envelope.sourceNumber ?? envelope.sourceUuid);
      }
      return injectEnvelope(envelope, account);
    },
    injectReceipt: ({ account, ...receipt }) => injectEnvelope(buildReceiptEnvelope({ ...receipt, ...times(receipt.timestamp) }), account),
    injectReaction: ({ account, ...reaction }) => injectEnvelope(buildReactionEnvelope({ ...reaction, ...times(reaction.timestamp) }), account),
    injectTyping: ({ account, ...typing } = {}) => injectEnvelope(buildTypingEnvelope({ ...typing, ...times(typing.timestamp) }), account),
    injectPart(part) {
      if (part.groupId !== undefined) assertGroupId(part.groupId);
      accountOf(part.account);
      return injectEnvelope(buildPartEnvelope({ ...part, ...times(part.timestamp) }), part.account);
    },
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
    ...faults,
    async close() {
      if (closed) return;
      closed = true;
      faults.clearFaults();
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
