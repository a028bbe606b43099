import { describe, expect, it } from 'vitest';
import type { Status } from '@tether/daemon/protocol';
import { renderStatus } from './status-view.js';
import { createStyle, plain } from './style.js';

const NOW = Date.parse('2026-03-01T12:00:10Z');
const base: Status = {
  state: 'connected',
  since: '2026-03-01T12:00:00Z',
  attempt: 0,
  backend: { kind: 'rest', url: 'http://127.0.0.1:8080', mode: 'json-rpc', version: '0.100', receive: 'best-effort' },
  gate: { state: 'open' },
  outbox: { queued: 0, sending: 0, failed: 0, unknown: 0 },
  lossWindows: [],
  account: '+4915112345678',
  pid: 42,
  startedAt: '2026-03-01T11:00:10Z',
};

const text = (status: Status): string => renderStatus(status, NOW, plain).join('\n');

describe('renderStatus', () => {
  it('aligns every value in one column', () => {
    const lines = renderStatus(base, NOW, plain);
    const starts = new Set(lines.filter((line) => /^\S/.test(line)).map((line) => /^\S+(?: \S+)*? {2,}/.exec(line)?.[0].length));
    expect(starts.size).toBe(1);
    expect(text(base)).toContain('connected since');
    expect(text(base)).toContain('pid 42, up 1 h');
  });

  it('shows the attempt, the next attempt and the last error while disconnected', () => {
    const output = text({ ...base, state: 'disconnected', attempt: 3, nextAttemptAt: '2026-03-01T12:00:10.400Z', lastError: 'ECONNREFUSED' });
    expect(output).toMatch(/attempt +3, next attempt in 400 ms/);
    expect(output).toMatch(/last error +ECONNREFUSED/);
  });

  it('shows the captcha token and the steps to lift a captcha pause', () => {
    const output = text({ ...base, gate: { state: 'paused', reason: 'captcha-required', challengeToken: 'tok-1' } });
    expect(output).toMatch(/send gate +paused: captcha-required/);
    expect(output).toContain('challenge token tok-1');
    expect(output).toContain('https://signalcaptchas.org/challenge/generate.html');
    expect(output).toContain("tether challenge tok-1 'signalcaptcha://…'");
  });

  it('shows the outbox, the oldest queued age and an open loss window', () => {
    const output = text({
      ...base,
      outbox: { queued: 3, sending: 1, failed: 2, unknown: 0, oldestQueuedAt: '2026-03-01T12:00:05Z' },
      lossWindows: [{ from: '2026-03-01T11:59:00Z', to: '2026-03-01T11:59:02Z' }, { from: '2026-03-01T12:00:00Z' }],
    });
    expect(output).toMatch(/outbox +3 queued \(oldest 5\.0 s\), 1 sending, 2 failed, 0 unknown/);
    expect(output).toContain('2 (incoming messages sent in these gaps may be lost)');
    expect(output).toContain('for 2.0 s');
    expect(output).toMatch(/open since .* incoming messages may be lost right now/);
  });

  it('uses colour only when asked to', () => {
    expect(text(base)).not.toContain('\u001B[');
    expect(renderStatus(base, NOW, createStyle(true)).join('\n')).toContain('\u001B[32m');
  });
});

describe('renderStatus: receive guarantee, failed link, unauthorized gate, role and leader', () => {
  it('says what best-effort receiving means, and shows the receive mode tetherd detected', () => {
    expect(text(base)).toMatch(/^receive +best-effort: messages that arrive while nobody listens are lost; the loss windows show when$/m);
    const onStart = text({ ...base, backend: { kind: 'jsonrpc', url: 'tcp://127.0.0.1:7583', version: '0.14.7', receive: 'best-effort', receiveMode: 'on-start' } });
    expect(onStart).toMatch(/^receive +best-effort: .*\n +on-start receive mode \(detected\)$/m);
  });

  it('calls signal-cli in manual mode lossless', () => {
    const output = text({ ...base, backend: { kind: 'jsonrpc', url: 'unix:/run/signal-cli.sock', receive: 'lossless', receiveMode: 'manual' } });
    expect(output).toMatch(/^receive +lossless: signal-cli holds messages that arrive while tetherd is away\n +manual receive mode \(detected\)$/m);
    expect(output).not.toContain('best-effort');
  });

  it('shows a failed link in red with its error and what to do', () => {
    const failed: Status = { ...base, state: 'failed', lastError: 'signal-cli-rest-api runs in normal mode; tetherd needs MODE=json-rpc' };
    const output = text(failed);
    expect(output).toMatch(/^link +failed since .*\n +tetherd stopped reconnecting: only a change of configuration can fix this \(see the last error\); fix it, then restart tetherd$/m);
    expect(output).toMatch(/^last error +signal-cli-rest-api runs in normal mode; tetherd needs MODE=json-rpc$/m);
    expect(renderStatus(failed, NOW, createStyle(true)).join('\n')).toContain('\u001B[31m\u001B[1mfailed');
  });

  it('explains an unauthorized pause', () => {
    const output = text({ ...base, gate: { state: 'paused', reason: 'unauthorized', error: 'HTTP 401 from the backend' } });
    expect(output).toMatch(/^send gate +paused: unauthorized\n +Signal or the backend refused this account's authorization .*re-link it or fix the backend, then restart tetherd; messages stay queued\n +HTTP 401 from the backend$/m);
  });

  it('shows the role and the leader with a shared database, and neither without', () => {
    expect(text(base)).not.toMatch(/^(role|leader) /m);
    const standby = text({
      ...base,
      role: 'standby',
      leader: { instance: 'tetherd-a', host: 'node-1', since: '2026-03-01T11:50:10Z', leaseUntil: '2026-03-01T12:00:14Z' },
    });
    expect(standby).toMatch(/^role +standby: this tetherd accepts sends and streams events; the leader holds the Signal link$/m);
    expect(standby).toMatch(/^leader +tetherd-a on node-1, leading since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(10 min ago\)\n +lease until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(in 4\.0 s\)$/m);
    expect(text({ ...base, role: 'leader' })).toMatch(/^role +leader: this tetherd holds the Signal link, drains the outbox and receives$/m);
    const lines = renderStatus({ ...base, role: 'standby', leader: { instance: 'a', host: 'h', since: base.since, leaseUntil: base.since } }, NOW, plain);
    const starts = new Set(lines.filter((line) => /^\S/.test(line)).map((line) => /^\S+(?: \S+)*? {2,}/.exec(line)?.[0].length));
    expect(starts.size).toBe(1);
  });
});
