// The REST endpoints besides send: about, accounts, groups, typing, receipts, reactions and the
// rate-limit challenge. Each returns the answer, or undefined where the real server would wait
// forever for signal-cli.
import { restGroupEntry, signalCliGroup } from '../group-views.js';
import { decodeGoBase64 } from '../attachments.js';
import { restAnswerForOther, type RestAnswer } from '../signal-cli-error.js';
import type { SendOutcome, SignalCli } from '../signal-cli.js';
import type { RouteContext } from './rest-routes.js';
import type { SignalCliLink } from './signal-cli-link.js';
import { bindGoJson, optionalInt, stringField, type Bound, type StructSpec } from './go-json.js';

const invalidRequest: RestAnswer = { status: 400, body: { error: "Couldn't process request - invalid request" } };
const noContent: RestAnswer = { status: 204, body: undefined };

export const aboutBody = {
  versions: ['v1', 'v2'],
  build: 2,
  mode: 'json-rpc',
  version: '0.100',
  capabilities: { 'v2/send': ['quotes', 'mentions'] },
};

/**
 * What a request that needs signal-cli meets when signal-cli cannot answer. A hung signal-cli
 * (`down`): getRaw waits on its response channel forever (R:src/client/jsonrpc2.go:157-163). While
 * REST redials a restarted signal-cli its connection is nil, getRaw's Write panics and gin's
 * Recovery answers an empty 500 (R:src/main.go:94, jsonrpc2.go:84 and 152).
 */
export function blockedBySignalCli(signalCli: SignalCli, link: SignalCliLink): RestAnswer | 'hang' | undefined {
  if (link.state !== 'connected') return { status: 500, body: undefined };
  return signalCli.state === 'down' ? 'hang' : undefined;
}

export function accounts({ signalCli, link }: RouteContext): RestAnswer | undefined {
  const blocked = blockedBySignalCli(signalCli, link);
  if (blocked !== undefined) return blocked === 'hang' ? undefined : blocked;
  return { status: 200, body: signalCli.state === 'starting' ? [] : signalCli.accounts };
}

export function groups({ signalCli, link }: RouteContext, number: string, expand: string, groupId?: string): RestAnswer | undefined {
  if (expand !== 'true' && expand !== 'false') {
    return bad("Couldn't process request - expand parameter needs to be either 'true' or 'false'");
  }
  const blocked = blockedBySignalCli(signalCli, link);
  if (blocked !== undefined) return blocked === 'hang' ? undefined : blocked;
  const accountError = signalCli.checkAccount(number);
  if (accountError !== undefined) return restAnswerForOther(accountError);
  const entries = signalCli.groups.list().map((group) => restGroupEntry(signalCliGroup(group, number), expand === 'true'));
  if (groupId === undefined) return { status: 200, body: entries };
  const entry = entries.find((candidate) => candidate['id'] === groupId);
  return entry === undefined ? { status: 404, body: { error: 'No group with that id found' } } : { status: 200, body: entry };
}

export function typing(context: RouteContext, number: string, body: string): RestAnswer | undefined {
  const bound = bindGoJson(body, { recipient: 'string' });
  if (!bound.ok) return invalidRequest;
  const target = recipientOrGroup(stringField(bound.value, 'recipient'));
  if (target === undefined) return bad('Invalid group id');
  return run(context, number, () => context.signalCli.action(target, number));
}

const receiptSpec: StructSpec = { recipient: 'string', receipt_type: 'string', timestamp: 'int' };

export function receipt(context: RouteContext, number: string, body: string): RestAnswer | undefined {
  const bound = bindGoJson(body, receiptSpec);
  if (!bound.ok) return invalidRequest;
  const recipient = stringField(bound.value, 'recipient');
  if (recipient === '') return bad("Couldn't process request - recipient missing");
  if (!['read', 'viewed'].includes(stringField(bound.value, 'receipt_type'))) {
    return bad("Couldn't process request - receipt type must be read or viewed");
  }
  if ((optionalInt(bound.value, 'timestamp') ?? 0) === 0) return bad("Couldn't process request - timestamp missing");
  // The REST layer sends `receipt-type`, which signal-cli ignores: every receipt goes out as "read".
  return run(context, number, () => context.signalCli.action({ recipients: [recipient] }, number));
}

const reactionSpec: StructSpec = { recipient: 'string', reaction: 'string', target_author: 'string', timestamp: 'int' };

export function reaction(context: RouteContext, number: string, body: string, remove: boolean): RestAnswer | undefined {
  const bound = bindGoJson(body, reactionSpec);
  if (!bound.ok) return invalidRequest;
  const missing = missingReactionField(bound.value, remove);
  if (missing !== undefined) return bad(`Couldn't process request - ${missing} missing`);
  const target = recipientOrGroup(stringField(bound.value, 'recipient'));
  if (target === undefined) return bad('Invalid group id');
  return run(context, number, () => context.signalCli.action(target, number));
}

export function rateLimitChallenge(context: RouteContext, number: string, body: string): RestAnswer | undefined {
  const bound = bindGoJson(body, { challenge_token: 'string', captcha: 'string' });
  if (!bound.ok) return invalidRequest;
  const token = stringField(bound.value, 'challenge_token');
  const captcha = stringField(bound.value, 'captcha');
  if (token === '') return bad("Couldn't process request - challenge token missing");
  if (captcha === '') return bad("Couldn't process request - captcha missing");
  return run(context, number, () => {
    context.signalCli.submitChallenge(token, captcha);
    return { ok: true, timestamp: 0, results: [] };
  });
}

function run({ signalCli, link }: RouteContext, number: string, action: () => SendOutcome): RestAnswer | undefined {
  const blocked = blockedBySignalCli(signalCli, link);
  if (blocked !== undefined) return blocked === 'hang' ? undefined : blocked;
  const accountError = signalCli.checkAccount(number);
  if (accountError !== undefined) return restAnswerForOther(accountError);
  const outcome = action();
  return outcome.ok ? noContent : restAnswerForOther(outcome.error);
}

/** `group.…` recipients become signal-cli group ids; an empty recipient is simply left out. */
function recipientOrGroup(recipient: string): { recipients?: string[]; groupIds?: string[] } | undefined {
  if (recipient === '') return {};
  if (!recipient.startsWith('group.')) return { recipients: [recipient] };
  const decoded = decodeGoBase64(recipient.slice('group.'.length));
  return typeof decoded === 'number' ? undefined : { groupIds: [decoded.toString('latin1')] };
}

function missingReactionField(value: Bound, remove: boolean): string | undefined {
  if (stringField(value, 'recipient') === '') return 'recipient';
  if (!remove && stringField(value, 'reaction') === '') return 'reaction';
  if (stringField(value, 'target_author') === '') return 'target_author';
  if ((optionalInt(value, 'timestamp') ?? 0) === 0) return 'timestamp';
  return undefined;
}

function bad(error: string): RestAnswer {
  return { status: 400, body: { error } };
}
