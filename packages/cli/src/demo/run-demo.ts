// `tether demo`: the real tetherd against a local Signal emulator. It sends a message, receives
// one, kills the emulator mid-way, queues messages through the outage, brings the emulator back
// and proves from the emulator's own record that every message arrived exactly once. Each step
// waits for what the daemon reports on its event stream; cleanup runs on success, error and Ctrl-C.
import { createClient, type Message } from '@tether/client';
import type { CommandContext, Result } from '../command-context.js';
import { EXIT, ExitError } from '../exit-error.js';
import { formatDuration } from '../output/format.js';
import { checkClaims, injectMessage, sentRecords, type Claim } from './emulator-admin.js';
import { EventTracker } from './event-tracker.js';
import { createNarrator } from './narrator.js';
import { startStack } from './stack.js';

const STEP_TIMEOUT_MS = 15_000;
const FRIEND = { number: '+15555550142', name: 'Bob' };
const ALICE = { from: '+15555550100', fromName: 'Alice', text: 'Hi! Did the alert go out?' };
const OUTAGE_TEXTS = ['Queued while Signal was down (1/3)', 'Queued while Signal was down (2/3)', 'Queued while Signal was down (3/3)'];

export async function runDemo(context: CommandContext): Promise<Result> {
  const started = Date.now();
  const say = createNarrator(context);
  const { style, signal } = context;
  say.intro();
  const stack = await startStack(signal).catch((error: unknown) => {
    if (ExitError.isInstance(error)) throw error;
    if (signal.aborted) throw new ExitError(EXIT.failed, 'demo interrupted while starting; nothing was left running', 'interrupted');
    throw new ExitError(EXIT.failed, `the demo could not start: ${(error as Error).message}`, 'demo-failed', { cause: error });
  });
  const client = createClient({ socket: stack.socketPath });
  try {
    say.step(`started a Signal emulator (a stand-in for signal-cli-rest-api) at ${stack.emulatorUrl}`, { event: 'emulator-started', url: stack.emulatorUrl });
    say.step(`started tetherd with its state in ${stack.dir}`, { event: 'daemon-started', dir: stack.dir });
    const events = client.events({ since: 'all', signal });
    await events.ready();
    const claims: Claim[] = [];
    const tracker = new EventTracker(events, (event) => say.event(event, claims));
    const until = (condition: () => boolean, what: string): Promise<void> => tracker.waitFor(condition, { what, timeoutMs: STEP_TIMEOUT_MS, signal });
    const settled = (id: string): boolean => ['sent', 'delivered', 'read', 'failed', 'unknown'].includes(tracker.messages.get(id)?.state ?? 'queued');
    const queue = async (text: string): Promise<Message> => {
      const message = await client.send({ recipients: [FRIEND.number], message: text });
      claims.push({ id: message.id, text, recipient: FRIEND.number, signalTimestamp: undefined });
      say.line(`${message.id} ${style.cyan('queued')}`, { event: 'queued', id: message.id });
      return message;
    };
    await until(() => tracker.link === 'connected', 'tetherd to connect');

    say.step(`sending "Hello from Tether" to ${FRIEND.number} (${FRIEND.name})`, { event: 'sending' });
    const first = await queue('Hello from Tether');
    await until(() => settled(first.id), 'the first message to be sent');

    say.step(`${ALICE.fromName} writes to the account; the emulator delivers it to tetherd`, { event: 'injecting' });
    await injectMessage(stack.emulatorUrl, ALICE);
    await until(() => tracker.incoming.length > 0, 'the incoming message');

    say.step('killing the emulator with SIGKILL, as if signal-cli-rest-api crashed', { event: 'emulator-killed' });
    say.quietUntilUp();
    await stack.killEmulator();
    await until(() => tracker.link === 'disconnected' || tracker.link === 'reconnecting', 'tetherd to notice');

    say.step('queueing three messages while Signal is unreachable', { event: 'queueing' });
    const outage: Message[] = [];
    for (const text of OUTAGE_TEXTS) outage.push(await queue(text));
    await until(() => say.seen('reconnecting'), 'tetherd to try reconnecting');
    const status = await client.status();
    say.line(
      `status: ${style.yellow(status.state)}, attempt ${status.attempt}; outbox ${status.outbox.queued} queued; ` +
        `${status.lossWindows.some((window) => window.to === undefined) ? 'a possible-loss window is open' : 'no open loss window'}`,
      { event: 'status', status },
    );

    say.step('restarting the emulator on the same port', { event: 'emulator-restarted' });
    await stack.restartEmulator();
    await until(() => tracker.link === 'connected' && outage.every((message) => settled(message.id)), 'the queue to drain');
    const flaps = say.suppressed();
    if (flaps > 0) say.line(style.dim(`(and ${flaps} more disconnected/reconnecting changes while the emulator was down)`), { event: 'suppressed', count: flaps });

    say.step("checking the emulator's own record of what Signal accepted", { event: 'verifying' });
    for (const claim of claims.splice(0)) claims.push({ ...claim, signalTimestamp: tracker.messages.get(claim.id)?.signalTimestamp });
    const { missing, duplicated } = checkClaims(claims, await sentRecords(stack.emulatorUrl));
    const ok = missing.length === 0 && duplicated.length === 0 && claims.every((claim) => tracker.messages.get(claim.id)?.state === 'sent');
    for (const claim of missing) say.line(style.red(`✗ ${claim.id} ("${claim.text}") is not in the emulator's record`), { event: 'missing', id: claim.id });
    for (const claim of duplicated) say.line(style.red(`✗ ${claim.id} ("${claim.text}") was accepted more than once`), { event: 'duplicated', id: claim.id });
    const elapsed = formatDuration(Date.now() - started);
    if (!ok) return { human: style.red(`✗ demo failed after ${elapsed}: see above`), json: { event: 'done', ok: false, missing, duplicated }, code: EXIT.failed };
    say.line(style.green(`✓ all ${claims.length} messages are in the emulator's record, each exactly once, with the right text`), { event: 'verified', count: claims.length });
    return {
      human: `${style.green(style.bold('✓ demo finished'))} in ${elapsed}: the emulator was killed with messages waiting, and nothing was lost.`,
      json: { event: 'done', ok: true, messages: claims.length, elapsedMs: Date.now() - started },
    };
  } catch (error) {
    if (ExitError.isInstance(error)) throw error;
    if (signal.aborted) throw new ExitError(EXIT.failed, 'demo interrupted; stopped tetherd and the emulator and removed the temporary files', 'interrupted');
    throw new ExitError(EXIT.failed, `demo failed: ${(error as Error).message}`, 'demo-failed', { cause: error });
  } finally {
    await client.close();
    await stack.close();
  }
}
