// The REST routes the emulator serves, as gin registers them (R:src/main.go). Handlers return the
// answer; `undefined` means the real server would never answer.
import type { IncomingMessage } from 'node:http';
import type { RestAnswer } from '../signal-cli-error.js';
import type { SignalCli } from '../signal-cli.js';
import { aboutBody, accounts, groups, rateLimitChallenge, reaction, receipt, typing } from './account-handlers.js';
import { readBody } from './http-io.js';
import { pathParameter, Router } from './router.js';
import { handleSendV1, handleSendV2, type SendResponseShape } from './send-handler.js';
import type { SignalCliLink } from './signal-cli-link.js';

export type { SendResponseShape };

export interface RouteContext {
  signalCli: SignalCli;
  /** REST's connection to signal-cli: down while signal-cli restarts. */
  link: SignalCliLink;
  shape: SendResponseShape;
}

interface RouteInput {
  number: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: () => Promise<string>;
}

type Handler = (input: RouteInput, context: RouteContext) => Promise<RestAnswer | undefined> | RestAnswer | undefined;

export function restRoutes(): { handle(request: IncomingMessage, url: URL, context: RouteContext): Promise<RestAnswer | 'not-found' | undefined> } {
  const router = new Router<Handler>()
    .add('GET', '/v1/health', () => ({ status: 204, body: undefined }))
    .add('GET', '/v1/about', () => ({ status: 200, body: aboutBody }))
    .add('GET', '/v1/accounts', (_input, context) => accounts(context))
    .add('POST', '/v2/send', async ({ body }, context) => handleSendV2(await body(), context, context.shape))
    .add('POST', '/v1/send', async ({ body }, context) => handleSendV1(await body(), context))
    .add('GET', '/v1/groups/:number', ({ number, query }, context) => groups(context, number, query.get('expand') ?? 'false'))
    .add('GET', '/v1/groups/:number/:groupid', ({ number, params, query }, context) =>
      groups(context, number, query.get('expand') ?? 'false', pathParameter(params['groupid'] ?? '') ?? ''),
    )
    .add('PUT', '/v1/typing-indicator/:number', async ({ number, body }, context) => typing(context, number, await body()))
    .add('DELETE', '/v1/typing-indicator/:number', async ({ number, body }, context) => typing(context, number, await body()))
    .add('POST', '/v1/receipts/:number', async ({ number, body }, context) => receipt(context, number, await body()))
    .add('POST', '/v1/reactions/:number', async ({ number, body }, context) => reaction(context, number, await body(), false))
    .add('DELETE', '/v1/reactions/:number', async ({ number, body }, context) => reaction(context, number, await body(), true))
    .add('POST', '/v1/accounts/:number/rate-limit-challenge', async ({ number, body }, context) => rateLimitChallenge(context, number, await body()));

  return {
    async handle(request, url, context) {
      const match = router.match(request.method ?? 'GET', url.pathname);
      if (match === undefined) return 'not-found';
      const rawNumber = match.params['number'];
      const number = rawNumber === undefined ? '' : pathParameter(rawNumber);
      if (number === undefined) return { status: 400, body: { error: "Couldn't process request - malformed number" } };
      const input: RouteInput = { number, params: match.params, query: url.searchParams, body: () => readBody(request) };
      return match.handler(input, context);
    },
  };
}
