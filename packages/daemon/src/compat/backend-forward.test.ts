// What compat forwards instead of queueing: the REST backend gets the client's body at the
// matching path, signal-cli the matching method and parameters; no link means 503 naming what is
// not queued, and an unanswered request says whether it may have taken effect.
import type { SignalTransport } from '@tether/signal-transport';
import { describe, expect, it } from 'vitest';
import { forward, type Action, type ForwardPort } from './backend-forward.js';

const ACCOUNT = '+4915112345678';
const FRIEND = '+4915187654321';

type Call = { method: string; path?: string; params?: unknown; body?: unknown };

function portWith(kind: 'signal-rest' | 'signal-jsonrpc', answer: (call: Call, signal: AbortSignal) => Promise<unknown>, linkUp = true): { port: ForwardPort; calls: Call[] } {
  const calls: Call[] = [];
  const transport = {
    kind,
    request: (method: string, path: string, body: unknown, signal: AbortSignal) => {
      calls.push({ method, path, body });
      return answer({ method, path, body }, signal);
    },
    call: (method: string, params: unknown, signal: AbortSignal) => {
      calls.push({ method, params });
      return answer({ method, params }, signal);
    },
  } as unknown as SignalTransport;
  return { port: { transport, linkUp: () => linkUp, settings: { account: ACCOUNT, sendTimeoutMs: 1_000 } }, calls };
}

const signal = new AbortController().signal;
const typing: Action = { kind: 'typing', stop: true, to: { groupId: 'raw-group' }, body: { recipient: 'group.x' } };
const receipt: Action = { kind: 'receipt', recipient: FRIEND, receiptType: 'viewed', timestamp: 5, body: { recipient: FRIEND } };
const reaction: Action = { kind: 'reaction', remove: false, to: { recipient: FRIEND }, emoji: '👍', targetAuthor: FRIEND, timestamp: 6, body: { reaction: '👍' } };
const send: Action = { kind: 'send', body: { message: 'quoted' }, features: ['quote', 'mentions'] };

describe('forward to a REST backend', () => {
  it('passes the body to the matching path and the backend answer back', async () => {
    const { port, calls } = portWith('signal-rest', async (call) => ({ ok: true, status: call.path === '/v2/send' ? 201 : 204, body: call.path === '/v2/send' ? '{"timestamp":"1"}' : '' }));
    expect(await forward(port, send, signal)).toEqual({ status: 201, body: '{"timestamp":"1"}' });
    expect(await forward(port, typing, signal)).toEqual({ status: 204 });
    await forward(port, { ...typing, stop: false }, signal);
    await forward(port, receipt, signal);
    await forward(port, reaction, signal);
    await forward(port, { ...reaction, remove: true }, signal);
    const number = encodeURIComponent(ACCOUNT);
    expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual([
      'POST /v2/send',
      `DELETE /v1/typing-indicator/${number}`,
      `PUT /v1/typing-indicator/${number}`,
      `POST /v1/receipts/${number}`,
      `POST /v1/reactions/${number}`,
      `DELETE /v1/reactions/${number}`,
    ]);
    expect(calls[0]!.body).toEqual({ message: 'quoted' });
  });

  it('answers 503 saying whether an unanswered request may have taken effect', async () => {
    const written = portWith('signal-rest', async () => ({ ok: false, written: true }));
    expect(await forward(written.port, typing, signal)).toEqual({ status: 503, body: { error: 'Signal did not answer in time; the request may or may not have taken effect' } });
    const unsent = portWith('signal-rest', async () => ({ ok: false, written: false }));
    expect(await forward(unsent.port, typing, signal)).toEqual({ status: 503, body: { error: 'Signal could not be reached; nothing was sent' } });
  });

  it('answers 503 without a link, naming what is forwarded rather than queued', async () => {
    const { port, calls } = portWith('signal-rest', async () => ({ ok: true, status: 204, body: '' }), false);
    expect(await forward(port, reaction, signal)).toEqual({ status: 503, body: { error: 'Signal is not connected; try again later (reactions are forwarded, not queued)' } });
    expect(await forward(port, send, signal)).toMatchObject({ status: 503, body: { error: expect.stringMatching(/messages with stickers, .* are forwarded, not queued/) } });
    expect(calls).toEqual([]);
  });

  it('gives up at the deadline, and when the client goes away', async () => {
    const hanging = portWith('signal-rest', (_call, deadline) => new Promise((resolve) => deadline.addEventListener('abort', () => resolve({ ok: false, written: true }), { once: true })));
    hanging.port = { ...hanging.port, settings: { account: ACCOUNT, sendTimeoutMs: 1 } };
    expect(await forward(hanging.port, typing, signal)).toMatchObject({ status: 503 });
    const client = new AbortController();
    const patient = portWith('signal-rest', (_call, deadline) => new Promise((resolve) => deadline.addEventListener('abort', () => resolve({ ok: false, written: false }), { once: true })));
    const waiting = forward(patient.port, typing, client.signal);
    client.abort();
    expect(await waiting).toMatchObject({ status: 503 });
  });
});

describe('forward to signal-cli (JSON-RPC)', () => {
  it('calls the matching method with its parameters, honouring the receipt type', async () => {
    const { port, calls } = portWith('signal-jsonrpc', async () => ({ kind: 'result', result: {} }));
    for (const action of [typing, { ...typing, to: { recipient: FRIEND } }, { ...typing, to: {} }, receipt, reaction]) expect(await forward(port, action, signal)).toEqual({ status: 204 });
    expect(calls).toEqual([
      { method: 'sendTyping', params: { account: ACCOUNT, groupId: 'raw-group', stop: true } },
      { method: 'sendTyping', params: { account: ACCOUNT, recipient: [FRIEND], stop: true } },
      { method: 'sendTyping', params: { account: ACCOUNT, stop: true } },
      { method: 'sendReceipt', params: { account: ACCOUNT, recipient: FRIEND, targetTimestamp: [5], type: 'viewed' } },
      { method: 'sendReaction', params: { account: ACCOUNT, recipient: [FRIEND], emoji: '👍', targetAuthor: FRIEND, targetTimestamp: 6, remove: false } },
    ]);
  });

  it('passes signal-cli refusals back as 400 and a lost or late answer as 503', async () => {
    const refused = portWith('signal-jsonrpc', async () => ({ kind: 'error', error: { code: -1, message: 'Invalid recipient' } }));
    expect(await forward(refused.port, receipt, signal)).toEqual({ status: 400, body: { error: 'Invalid recipient' } });
    const lost = portWith('signal-jsonrpc', async () => ({ kind: 'lost', error: 'connection closed' }));
    expect(await forward(lost.port, receipt, signal)).toMatchObject({ status: 503 });
    const late = portWith('signal-jsonrpc', () => Promise.reject(new Error('deadline')));
    expect(await forward(late.port, receipt, signal)).toMatchObject({ status: 503, body: { error: expect.stringMatching(/may or may not have taken effect/) } });
  });

  it('refuses sends with features it cannot carry yet', async () => {
    const { port, calls } = portWith('signal-jsonrpc', async () => ({ kind: 'result', result: {} }));
    expect(await forward(port, send, signal)).toEqual({ status: 400, body: { error: "Couldn't process request - Tether cannot send quote, mentions through a JSON-RPC backend yet" } });
    expect(calls).toEqual([]);
  });
});
