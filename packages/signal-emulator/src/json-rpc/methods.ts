// The JSON-RPC methods the emulated daemon implements, dispatched as signal-cli's multi-account
// handler does (S:…/jsonrpc/SignalJsonRpcCommandHandler.java): `account` selects the account and
// may be left out while exactly one is loaded; unknown methods answer -32601.
import { signalCliGroup } from '../group-views.js';
import { errorCodes, type JsonRpcErrorObject } from '../signal-cli-error.js';
import type { SendOutcome, SignalCli } from '../signal-cli.js';
import { error } from './protocol.js';
import { Params, ParamTypeError } from './params.js';
import type { HubConnection, ReceiveHub } from './receive-hub.js';

export const signalCliVersion = '0.14.7';

export interface MethodContext {
  signalCli: SignalCli;
  hub: ReceiveHub;
  connection: HubConnection;
}

/** A single-account command runs for one account (the manager); a multi command for none. */
type RunContext = MethodContext & { account: string | undefined };

export type MethodAnswer = { result: unknown } | { error: JsonRpcErrorObject };

type Run = (params: Params, raw: unknown, context: RunContext) => Promise<MethodAnswer> | MethodAnswer;

/** `single`: needs a loaded account. `multi`: also runs without one (all accounts). */
const methods: Readonly<Record<string, { single?: Run; multi?: Run }>> = {
  send: { single: send },
  sendTyping: { single: sendTyping },
  sendReceipt: { single: sendReceipt },
  sendReaction: { single: sendReaction },
  listGroups: { single: listGroups },
  receive: { single: receive },
  submitRateLimitChallenge: { single: submitRateLimitChallenge },
  subscribeReceive: { single: subscribe, multi: subscribe },
  unsubscribeReceive: { single: unsubscribe, multi: unsubscribe },
  version: { single: version, multi: version },
  listAccounts: { multi: listAccounts },
};

export async function invoke(method: string, rawParams: unknown, context: MethodContext): Promise<MethodAnswer> {
  const entry = Object.hasOwn(methods, method) ? methods[method] : undefined;
  if (entry === undefined) return { error: error(errorCodes.methodNotFound, 'Method not implemented') };
  let raw = rawParams;
  let account: string | undefined;
  if (entry.single !== undefined && isObject(raw) && raw['account'] !== undefined && raw['account'] !== null) {
    account = String(raw['account']);
    const { account: _removed, ...rest } = raw;
    raw = rest;
    const accountError = context.signalCli.checkAccount(account);
    if (accountError !== undefined) return { error: accountError };
  }
  const run = account !== undefined ? entry.single : (entry.multi ?? entry.single);
  if (run === undefined) return { error: error(errorCodes.methodNotFound, 'Method not implemented') };
  if (account === undefined && entry.multi === undefined) {
    const accountError = context.signalCli.checkAccount(undefined);
    if (accountError !== undefined) return { error: accountError };
    account = context.signalCli.account;
  }
  if (Array.isArray(raw) && method !== 'unsubscribeReceive') {
    return { error: error(errorCodes.invalidRequest, 'Cannot deserialize value of type `java.util.LinkedHashMap` from Array value') };
  }
  try {
    return await run(new Params(isObject(raw) ? raw : {}), raw, { ...context, account });
  } catch (thrown) {
    if (thrown instanceof ParamTypeError) return { error: error(errorCodes.internal, thrown.message) };
    throw thrown;
  }
}

async function send(params: Params, _raw: unknown, { signalCli, account }: RunContext): Promise<MethodAnswer> {
  const quoteTimestamp = params.number('quote-timestamp');
  const quoteAuthor = params.string('quote-author');
  const quoteMessage = params.string('quote-message');
  const quoteMentions = params.list('quote-mention');
  const sticker = params.string('sticker');
  return answer(
    await signalCli.send({
      backend: 'jsonrpc',
      ...(account === undefined ? {} : { account }),
      recipients: params.list('recipient') ?? [],
      usernames: params.list('username') ?? [],
      groupIds: params.list('group-id') ?? [],
      noteToSelf: params.boolean('note-to-self') ?? false,
      message: params.string('message') ?? '',
      attachmentStrings: params.list('attachment') ?? [],
      ...(sticker === undefined ? {} : { sticker }),
      ...(quoteTimestamp === undefined
        ? {}
        : {
            quote: {
              timestamp: quoteTimestamp,
              ...(quoteAuthor === undefined ? {} : { author: quoteAuthor }),
              ...(quoteMessage === undefined ? {} : { message: quoteMessage }),
              ...(quoteMentions === undefined ? {} : { mentions: quoteMentions }),
            },
          }),
      mentions: params.list('mention') ?? [],
      textStyles: params.list('text-style') ?? [],
    }),
  );
}

// Options the emulator does not act on are still read, so a wrongly typed one fails as in signal-cli.
function sendTyping(params: Params, _raw: unknown, { signalCli, account }: RunContext): MethodAnswer {
  params.boolean('stop');
  return answer(signalCli.action({ recipients: params.list('recipient') ?? [], groupIds: params.list('group-id') ?? [] }, account));
}

function sendReceipt(params: Params, _raw: unknown, { signalCli, account }: RunContext): MethodAnswer {
  const recipient = params.string('recipient');
  params.numberList('target-timestamp');
  const type = params.string('type');
  if (type !== undefined && type !== 'read' && type !== 'viewed') return { error: error(errorCodes.user, `Unknown receipt type: ${type}`) };
  return answer(signalCli.action({ recipients: recipient === undefined ? [] : [recipient] }, account));
}

function sendReaction(params: Params, _raw: unknown, { signalCli, account }: RunContext): MethodAnswer {
  params.string('emoji');
  params.number('target-timestamp');
  params.boolean('remove');
  return answer(
    signalCli.action({
      recipients: params.list('recipient') ?? [],
      groupIds: params.list('group-id') ?? [],
      usernames: params.list('username') ?? [],
    }, account),
  );
}

function listGroups(params: Params, _raw: unknown, { signalCli, account = signalCli.account }: RunContext): MethodAnswer {
  const wanted = params.list('group-id');
  const groups = signalCli.groups.list().filter((group) => wanted === undefined || wanted.includes(group.id));
  return { result: groups.map((group) => signalCliGroup(group, account)) };
}

async function receive(_params: Params, raw: unknown, { hub, connection, signalCli, account = signalCli.account }: RunContext): Promise<MethodAnswer> {
  const record = isObject(raw) ? raw : {};
  const unknown = Object.keys(record).find((key) => key !== 'timeout' && key !== 'maxMessages');
  if (unknown !== undefined) {
    const message = `Unrecognized field "${unknown}" (class org.asamk.signal.commands.ReceiveCommand$ReceiveParams), not marked as ignorable`;
    return { error: error(errorCodes.invalidRequest, message) };
  }
  const timeout = typeof record['timeout'] === 'number' ? record['timeout'] : 3;
  const max = typeof record['maxMessages'] === 'number' ? record['maxMessages'] : -1;
  const frames = hub.receive(connection, account, timeout, max);
  return 'code' in frames ? { error: frames } : { result: await frames };
}

function submitRateLimitChallenge(params: Params, _raw: unknown, { signalCli }: RunContext): MethodAnswer {
  const challenge = params.string('challenge');
  const captcha = params.string('captcha');
  if (challenge === undefined || captcha === undefined) {
    return { error: error(errorCodes.io, 'Submit challenge error: challenge and captcha are required') };
  }
  signalCli.submitChallenge(challenge, captcha);
  return { result: {} };
}

/** With `account` only that account pulls; without, every account of the daemon does (SubscribeReceiveCommand). */
function subscribe(_params: Params, _raw: unknown, { hub, connection, account }: RunContext): MethodAnswer {
  return { result: hub.subscribe(connection, account) };
}

function unsubscribe(_params: Params, raw: unknown, { hub, connection, account }: RunContext): MethodAnswer {
  const id = Array.isArray(raw) ? raw[0] : isObject(raw) ? raw['subscription'] : undefined;
  if ((id === undefined || id === null) && account !== undefined) {
    // The single-account form drops that account's own subscription, silently if there is none.
    hub.unsubscribeAccount(connection, account);
    return { result: {} };
  }
  if (id === undefined || id === null) return { error: error(errorCodes.user, 'Missing subscription parameter with subscription id') };
  if (!hub.unsubscribe(connection, Number(id))) return { error: error(errorCodes.user, 'Unknown subscription id') };
  return { result: {} };
}

function version(): MethodAnswer {
  return { result: { version: signalCliVersion } };
}

function listAccounts(_params: Params, _raw: unknown, { signalCli }: RunContext): MethodAnswer {
  return { result: signalCli.state === 'starting' ? [] : signalCli.accounts.map((number) => ({ number })) };
}

function answer(outcome: SendOutcome): MethodAnswer {
  return outcome.ok ? { result: { timestamp: outcome.timestamp, results: outcome.results } } : { error: outcome.error };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
