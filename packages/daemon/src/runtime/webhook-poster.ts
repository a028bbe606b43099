// The webhook POST itself, on Node's fetch: redirects are never followed (a 3xx is an answer, and
// the signed body stays where it was sent), and the per-attempt deadline is a timer we hold and
// clear, because `AbortSignal.timeout` inside `AbortSignal.any` can be garbage-collected before it
// fires on Node 20 (nodejs/node#57736), leaving a receiver that never answers to stall delivery.
import type { PostResult, WebhookPoster } from '../app/webhooks.js';

export function fetchPoster(timeoutMs: number): WebhookPoster {
  return async ({ url, headers, body, signal }) => {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = (): void => deadline.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: deadline.signal });
      await response.arrayBuffer();
      return { kind: 'answered', status: response.status } satisfies PostResult;
    } catch (error) {
      const reason = deadline.signal.aborted ? deadline.signal.reason : error;
      const cause = (reason as Error).cause;
      return { kind: 'unreachable', error: cause instanceof Error ? cause.message : (reason as Error).message } satisfies PostResult;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  };
}
