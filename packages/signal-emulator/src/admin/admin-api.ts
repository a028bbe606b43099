// The admin HTTP API under /_emulator/ (JSON in and out), so an emulator running as its own
// process (the CLI) can be driven like the programmatic one. Never frozen, never counted, and
// every answer closes its connection so a fault it triggers cannot hit a reused socket.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeauthorizeOptions, Emulator, InjectPartOptions, InjectReactionOptions, InjectReceiptOptions } from '../emulator-types.js';
import type { SignalCliState } from '../signal-cli.js';
import type { FailNextOptions } from '../send-faults.js';
import { readBody, requestUrl, writeJson } from '../rest/http-io.js';
import { AdminInputError, checkFields, countField, checkPart, msField, objectBody, senderFields } from './admin-input.js';

export type AdminHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

type Route = (body: Record<string, unknown>, query: URLSearchParams, after: (task: () => Promise<void> | void) => void) => unknown;

export function createAdminHandler(emulator: Emulator, options: { adminOnRestPort: boolean }): AdminHandler {
  const routes = adminRoutes(emulator, options);
  return async (request, response) => {
    const url = requestUrl(request);
    const route = routes[`${request.method ?? 'GET'} ${url.pathname.replace(/^\/_emulator/, '')}`];
    const headers = { Connection: 'close' };
    if (route === undefined) {
      writeJson(response, 404, { error: `no admin route ${request.method ?? ''} ${url.pathname}` }, headers);
      return;
    }
    const tasks: (() => Promise<void> | void)[] = [];
    try {
      const text = await readBody(request);
      const body = objectBody(text.trim() === '' ? undefined : JSON.parse(text));
      const result = route(body, url.searchParams, (task) => tasks.push(task));
      writeJson(response, 200, result ?? { ok: true }, headers);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      writeJson(response, error instanceof SyntaxError || isInputError(error) ? 400 : 500, { error: message }, headers);
      return;
    }
    // Faults that cut connections run once the answer is out.
    response.once('finish', () => {
      for (const task of tasks) void Promise.resolve().then(task).catch(() => undefined);
    });
  };
}

function adminRoutes(emulator: Emulator, options: { adminOnRestPort: boolean }): Record<string, Route> {
  return {
    'GET /state': () => ({
      restUrl: emulator.restUrl ?? null,
      jsonRpcUrl: emulator.jsonRpcUrl ?? null,
      jsonRpcUrls: emulator.jsonRpcUrls,
      adminUrl: emulator.adminUrl ?? null,
      stats: emulator.stats(),
    }),
    'GET /stats': () => emulator.stats(),
    'GET /sent': (_body, query) => emulator.sent().slice(Number(query.get('since') ?? 0) || 0),
    'GET /dropped': () => emulator.dropped(),
    'GET /challenges': () => emulator.submittedChallenges(),
    'POST /inject': (body) => {
      checkFields(body, { ...senderFields, text: 'string|null', groupId: 'string', groupName: 'string|null', attachments: 'array' });
      return { envelope: emulator.inject(body) };
    },
    'POST /inject/part': (body) => {
      checkPart(body);
      return { envelope: emulator.injectPart(body as unknown as InjectPartOptions) };
    },
    'POST /inject/receipt': (body) => {
      checkFields(body, { ...senderFields, timestamps: 'array', kind: 'string' }, ['timestamps', 'kind']);
      return { envelope: emulator.injectReceipt(body as unknown as InjectReceiptOptions) };
    },
    'POST /inject/reaction': (body) => {
      const fields = { ...senderFields, emoji: 'string', targetAuthor: 'string', targetTimestamp: 'number', remove: 'boolean', groupId: 'string' } as const;
      checkFields(body, fields, ['emoji', 'targetAuthor', 'targetTimestamp']);
      return { envelope: emulator.injectReaction(body as unknown as InjectReactionOptions) };
    },
    'POST /inject/typing': (body) => {
      checkFields(body, { ...senderFields, action: 'string', groupId: 'string' });
      return { envelope: emulator.injectTyping(body) };
    },
    'POST /inject/frame': (body) => {
      emulator.injectFrame(body);
      return { ok: true };
    },
    'POST /redeliver': (body) => {
      checkFields(body, { timestamp: 'number' }, ['timestamp']);
      return { envelope: emulator.redeliver(body['timestamp'] as number) };
    },
    'POST /faults/fail-next-sends': (body) => {
      checkFields(body, { count: 'number', status: 'number', body: 'object', jsonRpcError: 'object', deliver: 'boolean' });
      const { count: _count, ...failure } = body;
      if (failure['jsonRpcError'] === undefined && failure['status'] === undefined) throw new AdminInputError('give status (and body) or jsonRpcError');
      emulator.failNextSends(countField(body), failure as unknown as FailNextOptions);
    },
    'POST /faults/rate-limit-next-sends': (body) => {
      checkFields(body, { count: 'number', challengeToken: 'string', retryAfterSeconds: 'number', deliver: 'boolean' });
      const { count: _count, ...rateLimit } = body;
      emulator.rateLimitNextSends(countField(body), rateLimit);
    },
    'POST /faults/hang-next-sends': (body) => {
      checkFields(body, { count: 'number', deliver: 'boolean' });
      emulator.hangNextSends(countField(body), body['deliver'] === undefined ? {} : { deliver: body['deliver'] as boolean });
    },
    'POST /faults/answer-hung-sends': () => ({ ok: true, answered: emulator.answerHungSends() }),
    'POST /faults/latency': (body) => {
      checkFields(body, { ms: 'number' }, ['ms']);
      emulator.setLatency(body['ms'] as number);
    },
    'POST /faults/freeze': () => emulator.freeze(),
    'POST /faults/unfreeze': () => emulator.unfreeze(),
    'POST /faults/signal-cli': (body) => {
      checkFields(body, { state: 'string' }, ['state']);
      emulator.setSignalCli(body['state'] as SignalCliState);
    },
    'POST /faults/restart-signal-cli': (body, _query, after) => {
      checkFields(body, { ms: 'number' }, ['ms']);
      const ms = msField(body);
      after(() => emulator.restartSignalCli(ms));
      return { ok: true, ms };
    },
    'POST /faults/slow-socket-writes': (body) => {
      checkFields(body, { ms: 'number' }, ['ms']);
      emulator.slowSocketWrites(msField(body));
    },
    'POST /faults/deauthorize': (body) => {
      checkFields(body, { status: 'number', account: 'string' });
      emulator.deauthorize(body as DeauthorizeOptions);
    },
    'POST /faults/reauthorize': (body) => {
      checkFields(body, { account: 'string' });
      emulator.reauthorize(body['account'] as string | undefined);
    },
    'POST /faults/drop-connections': (_body, _query, after) => after(() => emulator.dropConnections()),
    'POST /faults/clear': () => emulator.clearFaults(),
    'POST /restart': (body, _query, after) => {
      checkFields(body, { downMs: 'number' });
      const downMs = (body['downMs'] as number | undefined) ?? 0;
      after(async () => {
        await emulator.stop();
        if (downMs > 0) await sleep(downMs);
        await emulator.restart();
      });
      return { ok: true, downMs };
    },
    'POST /stop': (_body, _query, after) => {
      if (options.adminOnRestPort) throw new AdminInputError('stop would take this admin API down with the REST port: use restart with downMs, or --admin-port');
      after(() => emulator.stop());
    },
    'POST /start': (_body, _query, after) => after(() => emulator.restart()),
  };
}

function isInputError(error: unknown): boolean {
  return error instanceof AdminInputError || error instanceof TypeError || error instanceof RangeError;
}
