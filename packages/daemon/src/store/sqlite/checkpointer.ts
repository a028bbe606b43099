// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever commit
// crosses the threshold, copying pages and fsyncing the database on the daemon's only thread: tens
// of milliseconds during which no request or frame is served. The daemon's connection turns the
// automatic checkpoint off and a worker thread with its own connection checkpoints (PASSIVE: it
// never waits for or blocks a writer) every interval.
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const run = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) });
  }
};
const timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'stop') {
    clearInterval(timer);
    run();
    db.close();
    parentPort.close();
  }
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(file: string, options: { readonly intervalMs: number; readonly driver: string; readonly onError: (message: string) => void }): Checkpointer {
  const worker = new Worker(WORKER, { eval: true, workerData: { file, intervalMs: options.intervalMs, driver: options.driver } });
  worker.on('message', (message: { error?: string }) => {
    if (message.error !== undefined) options.onError(message.error);
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
