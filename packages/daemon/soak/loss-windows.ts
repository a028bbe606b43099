// The loss windows tetherd reported over all its lives: every closed one is a log line
// ("possible-loss window closed", with `from` and `to`), and those still open at the end are in
// its status. Read from what an operator sees, never from tetherd's internals.
import { readFileSync } from 'node:fs';
import type { DaemonProcess } from './daemon-process.js';
import type { LossWindow } from './incoming-tally.js';

export async function reportedWindows(daemon: DaemonProcess, logFile: string): Promise<LossWindow[]> {
  const windows: LossWindow[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('possible-loss window closed')) continue;
    try {
      const entry = JSON.parse(line) as { from?: string; to?: string };
      if (entry.from !== undefined && entry.to !== undefined) windows.push({ from: Date.parse(entry.from), to: Date.parse(entry.to) });
    } catch {
      // a line torn by a SIGKILL
    }
  }
  const status = await daemon.request<{ lossWindows: { from: string; to?: string }[] }>('GET', '/v1/status');
  for (const window of status.body.lossWindows) if (window.to === undefined) windows.push({ from: Date.parse(window.from), to: Infinity });
  return windows;
}
