// The compat receive WebSocket: frames identical to what signal-cli-rest-api (the emulator) sends
// for the same injection, fed from the durable spool so that a client that was away gets what
// arrived meanwhile (also across a tetherd restart); and the optional token on every route.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeGroupId, startEmulator, type Emulator } from '@tether/signal-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { call, compatDaemon, ReceiveClient, schemaErrors, textOf } from './compat-helpers.js';
import { ACCOUNT, FRIEND, tempDir, type StreamEvent, type Tetherd } from './tetherd.js';

const running: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.stop();
});

const groupId = makeGroupId('compat-receive');

async function setup(env: Record<string, string> = {}, stateDir?: string): Promise<{ emulator: Emulator; tetherd: Tetherd; base: string; stateDir: string }> {
  const emulator = await startEmulator({ account: ACCOUNT, groups: [{ id: groupId, name: 'Receive', members: [FRIEND] }] });
  running.push({ stop: () => emulator.close() });
  return { emulator, ...(await daemon(emulator, env, stateDir)) };
}

async function daemon(emulator: Emulator, env: Record<string, string> = {}, stateDir?: string): Promise<{ tetherd: Tetherd; base: string; stateDir: string }> {
  const started = await compatDaemon({ TETHER_SIGNAL_URL: emulator.restUrl!, ...env }, stateDir);
  running.push({ stop: () => started.tetherd.kill() });
  await started.tetherd.logLine(/"to":"connected"/);
  return started;
}

function client(base: string, number = ACCOUNT, headers: Record<string, string> = {}): ReceiveClient {
  const opened = new ReceiveClient(base, number, headers);
  running.push({ stop: () => opened.close() });
  return opened;
}

/** Waits until the spool holds `count` incoming events, and returns their ids. */
async function spooled(tetherd: Tetherd, count: number): Promise<number[]> {
  const stream = tetherd.events('?kinds=incoming', '0');
  const events = await stream.until((all) => all.length >= count, `${count} spooled events`);
  stream.close();
  return events.map((event: StreamEvent) => event.id);
}

const confirmed = (tetherd: Tetherd, id: number): Promise<string> => tetherd.logLine(new RegExp(`"cursor":${id},.*compat receive cursor confirmed`));

describe('compat receive frames', () => {
  it('are identical to the upstream frames for every kind of envelope, and match the swagger schema', async () => {
    const { emulator, tetherd, base } = await setup();
    const upstream = client(emulator.restUrl!);
    const ours = client(base);
    const second = client(base);
    await Promise.all([upstream.opened, ours.opened, second.opened]);
    const first = emulator.inject({ from: FRIEND, fromName: 'Alice', text: 'hi <&> ✓' });
    emulator.inject({ from: FRIEND, text: null, attachments: [{ contentType: 'image/jpeg', filename: 'a.jpg', size: 10 }] });
    emulator.inject({ from: FRIEND, text: 'to the group', groupId, groupName: 'Receive' });
    emulator.injectReceipt({ from: FRIEND, kind: 'read', timestamps: [1, 2] });
    emulator.injectReaction({ from: FRIEND, emoji: '👍', targetAuthor: ACCOUNT, targetTimestamp: 1, groupId });
    emulator.injectTyping({ from: FRIEND });
    const failed = { ...first, timestamp: first.timestamp + 1 };
    emulator.injectFrame({ envelope: failed, account: ACCOUNT, exception: { message: 'Untrusted identity', type: 'UntrustedIdentityException' } });
    for (let index = 0; index < 7; index++) {
      const expected = await upstream.next();
      const frame = await ours.next();
      expect(frame).toEqual(expected);
      expect(await second.next()).toEqual(expected);
      expect(schemaErrors('/v1/receive/{number}', 'get', 200, frame)).toEqual([]);
    }
    // The control API's event stream still carries the typed event only.
    const stream = tetherd.events('?kinds=incoming', '0');
    const [event] = await stream.until((events) => events.length === 7, 'the typed events');
    stream.close();
    expect(event!.data).toMatchObject({ kind: 'message', text: 'hi <&> ✓' });
    expect(event!.data).not.toHaveProperty('raw');
  });
});

describe('compat receive replay', () => {
  it('gives a client that reconnects what arrived while it was away, also after a tetherd restart', async () => {
    const { emulator, tetherd, base, stateDir } = await setup();
    const away = client(base);
    await away.opened;
    emulator.inject({ from: FRIEND, text: 'one' });
    expect(textOf(await away.next())).toBe('one');
    const [one] = await spooled(tetherd, 1);
    await confirmed(tetherd, one!);
    await away.close();

    emulator.inject({ from: FRIEND, text: 'two' });
    emulator.inject({ from: FRIEND, text: 'three' });
    await spooled(tetherd, 3);
    const back = client(base);
    expect([textOf(await back.next()), textOf(await back.next())]).toEqual(['two', 'three']);
    emulator.inject({ from: FRIEND, text: 'four' });
    expect(textOf(await back.next())).toBe('four');
    const ids = await spooled(tetherd, 4);
    await confirmed(tetherd, ids[3]!);
    await back.close();

    emulator.inject({ from: FRIEND, text: 'five' });
    await spooled(tetherd, 5);
    expect(await tetherd.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    const restarted = await daemon(emulator, {}, stateDir);
    const later = client(restarted.base);
    expect(textOf(await later.next())).toBe('five');
  });
});

describe('compat token', () => {
  it('requires the TETHER_TOKEN_FILE token as Bearer or as the Basic password, on HTTP and WebSocket', async () => {
    const token = 'compat-token-0123456789';
    const tokenFile = path.join(tempDir(), 'token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const { emulator, base } = await setup({ TETHER_TOKEN_FILE: tokenFile });
    const body = { number: ACCOUNT, recipients: [FRIEND], message: 'with a token' };
    const refused = await call(base, 'POST', '/v2/send', body);
    expect(refused).toMatchObject({ status: 401, body: { error: expect.stringMatching(/Unauthorized/) as unknown } });
    expect((await call(base, 'GET', '/v1/about', undefined, { authorization: 'Bearer wrong-token-0123456' })).status).toBe(401);
    expect((await call(base, 'POST', '/v2/send', body, { authorization: `Bearer ${token}` })).status).toBe(201);
    const basic = `Basic ${Buffer.from(`apprise:${token}`).toString('base64')}`;
    expect((await call(base, 'POST', '/v2/send', body, { authorization: basic })).status).toBe(201);
    expect(emulator.sent()).toHaveLength(2);
    await expect(client(base).opened).rejects.toThrow(/401/);
    const allowed = client(base, ACCOUNT, { authorization: `Bearer ${token}` });
    await allowed.opened;
    emulator.inject({ from: FRIEND, text: 'authorised' });
    expect(textOf(await allowed.next())).toBe('authorised');
  });
});
