// The human view of `tether status`: the link (with what to do when it failed), the send gate (with
// what to do about a captcha), the backend and its receive guarantee, the outbox, possible-loss
// windows and, on a shared database, the role and the leader; aligned for reading at a glance.
import type { GateReason, LinkStateKind, Status } from '@tether/daemon/protocol';
import { fields, formatDuration, formatRelative, formatTime } from './format.js';
import type { Style } from './style.js';

const CAPTCHA_PAGE = 'https://signalcaptchas.org/challenge/generate.html';

const GATE_EXPLANATIONS: Record<GateReason, string> = {
  'rate-limited': 'Signal rate-limited this account',
  'captcha-required': 'Signal wants a captcha solved before this account may send again',
  'backend-not-ready': 'signal-cli is not ready; tetherd keeps probing it',
  'send-timeout': 'a send timed out and may still be running inside signal-cli',
  unauthorized: "Signal or the backend refused this account's authorization (a removed linked device, say): re-link it or fix the backend, then restart tetherd; messages stay queued",
};

const FAILED_LINK = 'tetherd stopped reconnecting: only a change of configuration can fix this (see the last error); fix it, then restart tetherd';

export function linkColour(state: LinkStateKind, style: Style): (text: string) => string {
  if (state === 'connected') return style.green;
  if (state === 'syncing') return style.cyan;
  if (state === 'disconnected' || state === 'failed') return style.red;
  if (state === 'closed') return style.dim;
  return style.yellow;
}

export function renderStatus(status: Status, now: number, style: Style): string[] {
  const since = `${linkColour(status.state, style)(style.bold(status.state))} since ${formatTime(status.since)} (${formatRelative(status.since, now)})`;
  const link = status.state === 'failed' ? `${since}\n${style.red(FAILED_LINK)}` : since;
  const retry = status.attempt > 0 || status.nextAttemptAt !== undefined
    ? `${status.attempt}${status.nextAttemptAt ? `, next attempt ${formatRelative(status.nextAttemptAt, now)}` : ''}`
    : undefined;
  const backend = [status.backend.kind, status.backend.url, describeBackend(status.backend)].filter(Boolean).join(' ');
  return fields([
    ['link', link],
    retry === undefined ? undefined : ['attempt', retry],
    status.lastError === undefined ? undefined : ['last error', status.state === 'connected' ? style.dim(status.lastError) : style.red(status.lastError)],
    ['send gate', renderGate(status.gate, now, style)],
    ['backend', backend],
    ['receive', renderReceive(status.backend, style)],
    ['outbox', renderOutbox(status.outbox, now, style)],
    ['loss windows', renderLossWindows(status.lossWindows, now, style)],
    ['last frame', status.lastFrameAt === undefined ? 'none yet' : `${formatTime(status.lastFrameAt)} (${formatRelative(status.lastFrameAt, now)})`],
    status.role === undefined ? undefined : ['role', renderRole(status.role, style)],
    status.leader === undefined ? undefined : ['leader', renderLeader(status.leader, now)],
    ['account', status.account],
    ['daemon', `pid ${status.pid}, up ${formatDuration(now - new Date(status.startedAt).getTime())}`],
  ]);
}

function describeBackend(backend: Status['backend']): string {
  const parts = [backend.mode === undefined ? undefined : `${backend.mode} mode`, backend.version === undefined ? undefined : `version ${backend.version}`];
  const text = parts.filter(Boolean).join(', ');
  return text === '' ? '' : `(${text})`;
}

/** The receive guarantee, what it means, and the receive mode tetherd detected (not assumed). */
function renderReceive(backend: Status['backend'], style: Style): string {
  const mode = backend.receiveMode === undefined ? [] : [style.dim(`${backend.receiveMode} receive mode (detected)`)];
  if (backend.receive === 'lossless') return [`${style.green('lossless')}: signal-cli holds messages that arrive while tetherd is away`, ...mode].join('\n');
  return [`${style.yellow('best-effort')}: messages that arrive while nobody listens are lost; the loss windows show when`, ...mode].join('\n');
}

function renderRole(role: NonNullable<Status['role']>, style: Style): string {
  if (role === 'leader') return `${style.green('leader')}: this tetherd holds the Signal link, drains the outbox and receives`;
  return `${style.cyan('standby')}: this tetherd accepts sends and streams events; the leader holds the Signal link`;
}

function renderLeader(leader: NonNullable<Status['leader']>, now: number): string {
  return [
    `${leader.instance} on ${leader.host}, leading since ${formatTime(leader.since)} (${formatRelative(leader.since, now)})`,
    `lease until ${formatTime(leader.leaseUntil)} (${formatRelative(leader.leaseUntil, now)})`,
  ].join('\n');
}

export function renderGate(gate: Status['gate'], now: number, style: Style): string {
  if (gate.state === 'open') return style.green('open');
  const reason = gate.reason ?? 'paused';
  const lines = [`${style.yellow(style.bold('paused'))}: ${reason}${gate.until ? ` until ${formatTime(gate.until)} (${formatRelative(gate.until, now)})` : ''}`];
  const explanation = gate.reason === undefined ? undefined : GATE_EXPLANATIONS[gate.reason];
  if (explanation !== undefined) lines.push(style.dim(explanation));
  if (gate.error !== undefined) lines.push(style.dim(gate.error));
  if (reason === 'captcha-required') {
    const token = gate.challengeToken ?? '<token>';
    lines.push(
      `challenge token ${style.bold(token)}`,
      `1. open ${CAPTCHA_PAGE} and solve the captcha`,
      '2. copy the signalcaptcha://… link behind "Open Signal"',
      `3. run: tether challenge ${token} 'signalcaptcha://…'`,
      style.dim('messages stay queued meanwhile; nothing is lost'),
    );
  }
  return lines.join('\n');
}

function renderOutbox(outbox: Status['outbox'], now: number, style: Style): string {
  const queued = `${outbox.queued} queued${outbox.oldestQueuedAt ? ` (oldest ${formatDuration(now - new Date(outbox.oldestQueuedAt).getTime())})` : ''}`;
  const failed = outbox.failed > 0 ? style.red(`${outbox.failed} failed`) : `${outbox.failed} failed`;
  const unknown = outbox.unknown > 0 ? style.yellow(`${outbox.unknown} unknown`) : `${outbox.unknown} unknown`;
  return `${queued}, ${outbox.sending} sending, ${failed}, ${unknown}`;
}

function renderLossWindows(windows: Status['lossWindows'], now: number, style: Style): string {
  if (windows.length === 0) return 'none';
  const shown = windows.slice(-3).map((window) =>
    window.to === undefined
      ? style.red(`open since ${formatTime(window.from)} (${formatDuration(now - new Date(window.from).getTime())}): incoming messages may be lost right now`)
      : `${formatTime(window.from)} for ${formatDuration(new Date(window.to).getTime() - new Date(window.from).getTime())}`,
  );
  const more = windows.length > shown.length ? [style.dim(`(${windows.length - shown.length} earlier)`)] : [];
  return [`${windows.length} (incoming messages sent in these gaps may be lost)`, ...more, ...shown].join('\n');
}
