// The loss windows tetherd reported over all its lives (and, with several tetherds, all their
// leaderships): every closed one is a log line ("possible-loss window closed", with `from` and
// `to`), and those still open at the end are in the leader's status. Read from what an operator
// sees, never from tetherd's internals.
import { readFileSync } from 'node:fs';
import type { Cluster } from './cluster.js';
import type { LossWindow } from './incoming-tally.js';

export async function reportedWindows(cluster: Cluster): Promise<LossWindow[]> {
  const windows: LossWindow[] = [];
  const lines = cluster.members.flatMap((member) => readFileSync(member.logFile, 'utf8').split('\n'));
  for (const line of lines) {
    if (!line.includes('possible-loss window closed')) continue;
    try {
      const entry = JSON.parse(line) as { from?: string; to?: string };
      if (entry.from !== undefined && entry.to !== undefined) windows.push({ from: Date.parse(entry.from), to: Date.parse(entry.to) });
    } catch {
      // a line torn by a SIGKILL
    }
  }
  const status = await (await cluster.leader()).request<{ lossWindows: { from: string; to?: string }[] }>('GET', '/v1/status');
  for (const window of status.body.lossWindows) if (window.to === undefined) windows.push({ from: Date.parse(window.from), to: Infinity });
  return windows;
}
