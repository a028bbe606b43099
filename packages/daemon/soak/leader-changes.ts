// Who led the account, in turn, over a soak with several tetherds: every "took the lead of the
// account" line of every instance's log, in time order. The first is the start, each further one
// a leader change (a failover, a handover after SIGTERM, or a paused leader replaced).
import { readFileSync } from 'node:fs';
import type { DaemonProcess } from './daemon-process.js';

export interface LeaderTake {
  readonly at: number;
  readonly name: string;
}

export function leaderTakes(members: readonly DaemonProcess[]): LeaderTake[] {
  const takes: LeaderTake[] = [];
  for (const member of members) {
    for (const line of readFileSync(member.logFile, 'utf8').split('\n')) {
      if (!line.includes('took the lead of the account')) continue;
      try {
        takes.push({ at: Date.parse((JSON.parse(line) as { time: string }).time), name: member.name });
      } catch {
        // a line torn by a SIGKILL
      }
    }
  }
  return takes.sort((left, right) => left.at - right.at);
}
