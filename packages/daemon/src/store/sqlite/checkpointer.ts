// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever commit
// crosses the threshold, copying pages and fsyncing the database on the daemon's only thread: tens
// of milliseconds during which no request or frame is served. The daemon's connection turns the
// automatic checkpoint off and a worker thread with its own connection checkpoints (PASSIVE: it
// never waits for or blocks a writer) every interval. When nothing was committed since the last
// checkpoint (`data_version` unchanged) the wait before the next doubles, up to `idleMaxMs`, so
// an idle daemon is not woken every second; the first checkpoint after a commit returns to
// `intervalMs`.
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
let seen = -1;
let waitMs = workerData.intervalMs;
let timer;
const run = () => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    // data_version changes whenever another connection committed since this one last looked
    const version = db.pragma('data_version', { simple: true });
    const fresh = version !== seen;
    seen = version;
    waitMs = fresh ? workerData.intervalMs : Math.min(waitMs * 2, workerData.idleMaxMs);
    if (workerData.report) parentPort.postMessage({ checkpoint: { frames: result.log, nextMs: waitMs } });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) });
  }
};
const schedule = () => {
  timer = setTimeout(() => {
    run();
    schedule();
  }, waitMs);
};
schedule();
parentPort.on('message', (message) => {
  if (message === 'stop') {
    clearTimeout(timer);
    run();
    db.close();
    parentPort.close();
  }
});
`;

/** What one checkpoint found, and how long the worker waits before the next. */
export interface CheckpointReport {
  readonly frames: number;
  readonly nextMs: number;
}

export interface Checkpointer {
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  readonly intervalMs: number;
  /** The longest wait while the WAL gets no new frames. @default 30_000 */
  readonly idleMaxMs?: number;
  readonly driver: string;
  readonly onError: (message: string) => void;
  /** Told after every checkpoint (tests). */
  readonly onCheckpoint?: (report: CheckpointReport) => void;
}

export function startCheckpointer(file: string, options: CheckpointerOptions): Checkpointer {
  const { intervalMs, driver, onCheckpoint } = options;
  const idleMaxMs = Math.max(intervalMs, options.idleMaxMs ?? 30_000);
  const worker = new Worker(WORKER, { eval: true, workerData: { file, intervalMs, idleMaxMs, driver, report: onCheckpoint !== undefined } });
  worker.on('message', (message: { error?: string; checkpoint?: CheckpointReport }) => {
    if (message.error !== undefined) options.onError(message.error);
    if (message.checkpoint !== undefined) onCheckpoint?.(message.checkpoint);
  });
  worker.on('error', (error) => options.onError(error.message));
  worker.unref();
  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        // held from here on: an unreferenced worker would let the process end before it exits
        worker.ref();
        worker.postMessage('stop');
      })),
  };
}
