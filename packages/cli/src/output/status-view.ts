// The human view of `tether status`: the link, the send gate (with what to do about a captcha),
// the backend, the outbox and possible-loss windows, aligned for reading at a glance.
import type { LinkStateKind, Status } from '@tether/daemon/protocol';
import { fields, formatDuration, formatRelative, formatTime } from './format.js';
import type { Style } from './style.js';

const CAPTCHA_PAGE = 'https://signalcaptchas.org/challenge/generate.html';

const GATE_REASONS: Record<string, string> = {
  'rate-limited': 'Signal rate-limited this account',
  'captcha-required': 'Signal wants a captcha solved before this account may send again',
  'backend-not-ready': 'signal-cli is not ready; tetherd keeps probing it',
  'send-timeout': 'a send timed out and may still be running inside signal-cli',
};

export function linkColour(state: LinkStateKind, style: Style): (text: string) => string {
  if (state === 'connected') return style.green;
  if (state === 'syncing') return style.cyan;
  if (state === 'disconnected') return style.red;
  if (state === 'closed') return style.dim;
  return style.yellow;
}

export function renderStatus(status: Status, now: number, style: Style): string[] {
  const link = `${linkColour(status.state, style)(style.bold(status.state))} since ${formatTime(status.since)} (${formatRelative(status.since, now)})`;
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
    ['outbox', renderOutbox(status.outbox, now, style)],
    ['loss windows', renderLossWindows(status.lossWindows, now, style)],
    ['last frame', status.lastFrameAt === undefined ? 'none yet' : `${formatTime(status.lastFrameAt)} (${formatRelative(status.lastFrameAt, now)})`],
    ['account', status.account],
    ['daemon', `pid ${status.pid}, up ${formatDuration(now - new Date(status.startedAt).getTime())}`],
  ]);
}

function describeBackend(backend: Status['backend']): string {
  const parts = [backend.mode === undefined ? undefined : `${backend.mode} mode`, backend.version === undefined ? undefined : `version ${backend.version}`];
  const text = parts.filter(Boolean).join(', ');
  return text === '' ? '' : `(${text})`;
}

export function renderGate(gate: Status['gate'], now: number, style: Style): string {
  if (gate.state === 'open') return style.green('open');
  const reason = gate.reason ?? 'paused';
  const lines = [`${style.yellow(style.bold('paused'))}: ${reason}${gate.until ? ` until ${formatTime(gate.until)} (${formatRelative(gate.until, now)})` : ''}`];
  const explanation = GATE_REASONS[reason];
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
