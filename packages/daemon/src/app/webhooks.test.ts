// Webhook delivery on the harness with a fake poster and the fake clock: signed bodies in spool
// order, retries with backoff (never skipping) for a receiver that is down, failing or redirecting,
// dead letters after five rejections of one event, and a cursor that resumes after a restart.
import { describe, expect, it } from 'vitest';
import { harnessStarter, incomingMessage, type Harness, type HarnessOptions } from './testing/harness.js';
import { signWebhook, type PostResult, type WebhookPoster } from './webhooks.js';

interface Posted {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { id: number; event: string; data: { text?: string; raw?: unknown } };
  readonly raw: string;
  readonly at: number;
}

/** A receiver that answers from a script (then 200), recording every POST. */
function receiver(harness: () => Harness): { posts: Posted[]; answers: PostResult[]; post: WebhookPoster } {
  const posts: Posted[] = [];
  const answers: PostResult[] = [];
  return {
    posts,
    answers,
    post: async (request) => {
      posts.push({ headers: request.headers, body: JSON.parse(request.body) as Posted['body'], raw: request.body, at: harness().clock.now() });
      return answers.shift() ?? { kind: 'answered', status: 200 };
    },
  };
}

const started = harnessStarter();

async function withWebhook(options: HarnessOptions = {}): Promise<{ harness: Harness; hook: ReturnType<typeof receiver> }> {
  const clock: { of?: Harness } = {};
  const hook = receiver(() => clock.of!);
  const harness = await started({ ...options, webhook: { post: hook.post } }, (made) => (clock.of = made));
  return { harness, hook };
}

const texts = (posts: readonly Posted[]): (string | undefined)[] => posts.map((post) => post.body.data.text);

describe('webhook delivery', () => {
  it('posts each incoming event once, in order, signed, without the raw envelope', async () => {
    const { harness, hook } = await withWebhook();
    for (const text of ['one', 'two', 'three']) harness.transport.emit(incomingMessage({ text }));
    await harness.until(() => hook.posts.length === 3, 'three deliveries');
    expect(texts(hook.posts)).toEqual(['one', 'two', 'three']);
    const [first] = hook.posts;
    expect(first!.body).toMatchObject({ event: 'incoming', data: { kind: 'message' } });
    expect(first!.body.data).not.toHaveProperty('raw');
    expect(first!.headers).toEqual({
      'content-type': 'application/json',
      'tether-event-id': String(first!.body.id),
      'tether-signature': signWebhook('a-webhook-secret', first!.at, first!.raw),
    });
    expect(await harness.service.status()).toMatchObject({ webhook: { state: 'idle', delivered: 3, pending: 0, deadLetters: 0 } });
    expect(harness.metrics.webhooks).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('retries a receiver that is down or failing with backoff, in order, skipping nothing', async () => {
    const { harness, hook } = await withWebhook();
    hook.answers.push({ kind: 'unreachable', error: 'connect ECONNREFUSED' }, { kind: 'answered', status: 503 }, { kind: 'answered', status: 429 });
    harness.transport.emit(incomingMessage({ text: 'first' }));
    harness.transport.emit(incomingMessage({ text: 'second' }));
    await harness.until(() => hook.posts.length === 1, 'the first attempt');
    const status = await harness.service.status();
    expect(status.webhook).toMatchObject({ state: 'retrying', pending: 2, delivered: 0, lastError: 'the receiver is unreachable: connect ECONNREFUSED' });
    // 1 s, then 2 s, then 4 s (the harness's backoff has no jitter)
    for (const [waitMs, attempts] of [[1_000, 2], [2_000, 3], [4_000, 4]] as const) {
      await harness.clock.advanceAsync(waitMs - 1);
      expect(hook.posts).toHaveLength(attempts - 1);
      await harness.clock.advanceAsync(1);
      await harness.until(() => hook.posts.length >= attempts, `attempt ${attempts}`);
    }
    // the fourth attempt is answered 200, and the next event follows at once
    await harness.until(() => hook.posts.length === 5, 'the second event');
    expect(texts(hook.posts)).toEqual(['first', 'first', 'first', 'first', 'second']);
    expect(harness.metrics.webhooks).toEqual(['failed', 'failed', 'failed', 'delivered', 'delivered']);
    expect((await harness.service.status()).webhook).toMatchObject({ state: 'idle', delivered: 2 });
  });

  it('never follows a redirect: a 3xx is retried like a failure, with the reason in status', async () => {
    const { harness, hook } = await withWebhook();
    hook.answers.push({ kind: 'answered', status: 307 });
    harness.transport.emit(incomingMessage({ text: 'private' }));
    await harness.until(() => hook.posts.length === 1, 'the first attempt');
    expect((await harness.service.status()).webhook?.lastError).toMatch(/307 \(a redirect; webhooks never follow redirects/);
    await harness.clock.advanceAsync(1_000);
    await harness.until(() => hook.posts.length === 2, 'the retry');
    expect((await harness.service.status()).webhook).toMatchObject({ delivered: 1, deadLetters: 0 });
  });

  it('dead-letters an event the receiver rejects five times, and moves on', async () => {
    const { harness, hook } = await withWebhook();
    for (let index = 0; index < 5; index++) hook.answers.push({ kind: 'answered', status: 422 });
    harness.transport.emit(incomingMessage({ text: 'unwanted' }));
    harness.transport.emit(incomingMessage({ text: 'fine' }));
    await harness.until(() => hook.posts.length === 1, 'the first attempt');
    for (const [attempt, waitMs] of [[2, 1_000], [3, 2_000], [4, 4_000], [5, 8_000]] as const) {
      await harness.clock.advanceAsync(waitMs);
      await harness.until(() => hook.posts.length >= attempt, `attempt ${attempt}`);
    }
    await harness.until(() => hook.posts.length === 6, 'the next event');
    expect(texts(hook.posts)).toEqual(['unwanted', 'unwanted', 'unwanted', 'unwanted', 'unwanted', 'fine']);
    expect(await harness.service.status()).toMatchObject({ webhook: { deadLetters: 1, delivered: 1, pending: 0 } });
    expect(harness.metrics.webhooks.filter((result) => result === 'dead-letter')).toHaveLength(1);
    expect(harness.logger.messages('error')).toContain('webhook event dead-lettered');
  });

  it('resumes after a restart from the last event delivered', async () => {
    const { harness, hook } = await withWebhook();
    harness.transport.emit(incomingMessage({ text: 'before' }));
    await harness.until(() => hook.posts.length === 1, 'the first delivery');
    hook.answers.push({ kind: 'answered', status: 500 });
    harness.transport.emit(incomingMessage({ text: 'during' }));
    await harness.until(() => hook.posts.length === 2, 'the failed attempt');
    await harness.close();

    const restarted = await withWebhook({ stateDir: harness.stateDir });
    await restarted.harness.until(() => restarted.hook.posts.length === 1, 'the redelivery');
    expect(texts(restarted.hook.posts)).toEqual(['during']);
    expect((await restarted.harness.service.status()).webhook).toMatchObject({ pending: 0 });
  });

  it('stops waiting at once when closed during a backoff', async () => {
    const { harness, hook } = await withWebhook();
    hook.answers.push({ kind: 'answered', status: 502 });
    harness.transport.emit(incomingMessage({ text: 'pending' }));
    await harness.until(() => hook.posts.length === 1, 'the failed attempt');
    await harness.webhook!.close();
    harness.webhook!.kick();
    await harness.clock.advanceAsync(60_000);
    expect(hook.posts).toHaveLength(1);
  });
});
