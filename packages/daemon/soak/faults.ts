// Applies one fault and undoes it: kills and restarts of either process, and the emulator's own
// faults through its admin API. With several tetherds the kills and stops hit the current leader,
// and a leader is also paused (SIGSTOP) past its lease, then let go on: it must step down. Returns
// a line for the progress log (no message bodies).
import type { Cluster } from './cluster.js';
import { REDIAL_INTERVAL_MS, type Backend, type EmulatorProcess } from './emulator-process.js';
import type { EventWatch } from './event-watch.js';
import type { FaultKind } from './fault-schedule.js';
import { delay } from './http.js';
import { settleIncoming } from './incoming-settle.js';
import type { IncomingInjector } from './incoming.js';
import type { Random } from './options.js';

export interface FaultTally {
  daemonKills: number;
  daemonTerms: number;
  emulatorKills: number;
  /** SIGTERMs that did not end in exit code 0 (DECISIONS.md §6 says they must). */
  readonly badTerms: string[];
  /** Leaders paused (SIGSTOP) past their lease. */
  leaderPauses: number;
  /** Paused leaders that were not replaced, or did not say they stepped down once let go on. */
  readonly badPauses: string[];
}

export interface FaultContext {
  readonly cluster: Cluster;
  /** TETHER_LEASE_MS of the tetherds on a shared database. */
  readonly leaseMs: number;
  readonly emulator: EmulatorProcess;
  readonly random: Random;
  readonly baseLatencyMs: number;
  readonly rateLimitRetryAfter: boolean;
  readonly tally: FaultTally;
  readonly backend: Backend;
  readonly incoming: IncomingInjector;
  readonly watch: EventWatch;
}

export async function applyFault(kind: FaultKind, index: number, context: FaultContext): Promise<string> {
  const { cluster, emulator, random, tally } = context;
  const admin = (pathname: string, body?: unknown) => emulator.admin('POST', `/_emulator/faults/${pathname}`, body);
  const who = (name: string) => (cluster.shared ? `leader ${name}` : 'tetherd');
  switch (kind) {
    case 'daemon-kill': {
      const downMs = random.between(50, 1_500);
      const daemon = await cluster.leader();
      await daemon.stop('SIGKILL');
      tally.daemonKills++;
      await delay(downMs);
      await daemon.start();
      return `${who(daemon.name)} SIGKILL, restarted after ${downMs} ms`;
    }
    case 'daemon-term': {
      const downMs = random.between(50, 1_000);
      const daemon = await cluster.leader();
      const exit = await daemon.stop('SIGTERM');
      tally.daemonTerms++;
      if (exit?.code !== 0) tally.badTerms.push(`SIGTERM of ${daemon.name} ended with code ${exit?.code}, signal ${exit?.signal}`);
      await delay(downMs);
      await daemon.start();
      return `${who(daemon.name)} SIGTERM (exit ${exit?.code}), restarted after ${downMs} ms`;
    }
    case 'leader-pause':
      return pauseLeader(context);
    case 'emulator-kill': {
      const downMs = random.between(100, 2_000);
      // What waits at "Signal" lives in the emulator's memory, and real Signal keeps it across a
      // restart of the REST container: let it reach tetherd first, so the kill loses nothing
      // that a real restart would keep. No new messages until the emulator is back.
      const resume = context.incoming.pause();
      const unsettled = await settleIncoming(context.incoming, context.watch, emulator, 15_000);
      await emulator.kill();
      tally.emulatorKills++;
      await delay(downMs);
      await emulator.start();
      resume();
      return `emulator SIGKILL, restarted on the same port after ${downMs} ms${unsettled > 0 ? ` (${unsettled} incoming still unsettled at the kill)` : ''}`;
    }
    case 'signal-cli-restart': {
      // REST keeps its WebSocket and drops what arrives until it has redialed (a loss window must
      // show it); the JSON-RPC daemon closes its connections (manual mode keeps the messages).
      const ms = random.between(300, 2_500);
      await admin('restart-signal-cli', { ms });
      await context.incoming.inject();
      const gapMs = context.backend === 'rest' ? Math.ceil(ms / REDIAL_INTERVAL_MS) * REDIAL_INTERVAL_MS : ms;
      await delay(gapMs + 300);
      return `signal-cli restarted, back after ${ms} ms (gap ${gapMs} ms)`;
    }
    case 'drop-on-busy': {
      // Every frame keeps the WebSocket busy; a burst meets a busy socket and is dropped there.
      const ms = random.between(10, 40);
      await admin('slow-socket-writes', { ms });
      await context.incoming.burst(random.between(4, 10));
      await delay(ms * 2);
      await admin('slow-socket-writes', { ms: 0 });
      return `WebSocket writes take ${ms} ms: a burst meets a busy socket`;
    }
    case 'freeze': {
      const holdMs = random.between(500, 2_500);
      await admin('freeze');
      await delay(holdMs);
      await admin('unfreeze');
      return `emulator frozen for ${holdMs} ms`;
    }
    case 'drop-connections':
      await admin('drop-connections');
      return 'emulator reset every connection';
    case 'latency': {
      const ms = random.between(150, 700);
      const holdMs = random.between(1_500, 4_000);
      await emulator.latency(ms);
      await delay(holdMs);
      await emulator.latency(context.baseLatencyMs);
      return `send latency ${ms} ms for ${holdMs} ms`;
    }
    case 'signal-cli-starting': {
      const holdMs = random.between(800, 2_500);
      await admin('signal-cli', { state: 'starting' });
      await delay(holdMs);
      await admin('signal-cli', { state: 'up' });
      return `signal-cli "starting" for ${holdMs} ms`;
    }
    case 'rate-limit': {
      const deliver = random.chance(0.5);
      const retryAfterSeconds = context.rateLimitRetryAfter ? random.between(1, 2) : undefined;
      await admin('rate-limit-next-sends', { count: 1, deliver, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
      return `next send rate limited (delivered anyway: ${deliver})`;
    }
    case 'captcha': {
      const deliver = random.chance(0.3);
      await admin('rate-limit-next-sends', { count: 1, deliver, challengeToken: `soak-challenge-${index}` });
      return `next send needs a captcha (delivered anyway: ${deliver})`;
    }
    case 'fail-400': {
      // At most two in a row: a third retriable failure would fail the message for good.
      const count = random.between(1, 2);
      await admin('fail-next-sends', { count, status: 400, body: { error: 'Failed to send message' } });
      return `next ${count} send(s) answer 400 "Failed to send message"`;
    }
    case 'fail-5xx': {
      const count = random.between(1, 2);
      const status = random.pick([500, 502, 503]);
      await admin('fail-next-sends', { count, status, body: { error: 'Internal Server Error' } });
      return `next ${count} send(s) answer ${status}`;
    }
    case 'hang-delivered':
    case 'hang-lost': {
      const deliver = kind === 'hang-delivered';
      await admin('hang-next-sends', { count: 1, deliver });
      return `next send hangs (delivered: ${deliver})`;
    }
  }
}

/** How long a paused leader that was let go on may take to say it stepped down. */
const STEP_DOWN_MS = 10_000;

/**
 * SIGSTOP to the leader for longer than its lease, and at least until another instance leads;
 * then SIGCONT: it must notice at once that the lease is no longer its own and step down.
 */
async function pauseLeader(context: FaultContext): Promise<string> {
  const { cluster, random, tally, leaseMs } = context;
  const holdMs = random.between(Math.round(leaseMs * 1.25), leaseMs * 2);
  const paused = await cluster.leader();
  const started = Date.now();
  paused.pause();
  tally.leaderPauses++;
  let successor: string;
  try {
    // the paused one is marked down, so only the others are asked
    successor = (await cluster.leader(leaseMs * 5)).name;
  } catch (error) {
    successor = 'none';
    tally.badPauses.push(`${paused.name} paused: ${(error as Error).message}`);
  }
  await delay(Math.max(0, holdMs - (Date.now() - started)));
  const pausedMs = Date.now() - started;
  const steppedDown = paused.resume(/stepped down/);
  const said = await Promise.race([steppedDown.then(() => true), delay(STEP_DOWN_MS).then(() => false)]).catch(() => false);
  if (!said) tally.badPauses.push(`${paused.name}, paused ${pausedMs} ms (lease ${leaseMs} ms), did not log "stepped down" within ${STEP_DOWN_MS} ms of SIGCONT`);
  return `leader ${paused.name} SIGSTOP for ${pausedMs} ms (lease ${leaseMs} ms), ${successor} took the lead; after SIGCONT it ${said ? 'stepped down' : 'did NOT step down'}`;
}
