// client-send-rtt (DECISIONS.md §10): the round trip of `client.send` against a raw node:http POST
// of the same body, with the same headers, over a keep-alive connection to the same tetherd, in the
// same run. The two alternate request by request (so both meet the same machine and the same
// database), and the median round trip of each is reported and written to
// bench-results/client.json. The backend is unreachable, so only tetherd's intake counts, not
// Signal. Goal: ratio ≤ 1.1.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { figure, median, writeResults } from '@tether/config/bench';
import { FRIEND, startStack } from '../test/helpers/stack.js';

const WARMUP = 200;
const CALLS = Number(process.env['BENCH_CALLS'] ?? 1_500);

function rawSend(agent: http.Agent, socket: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'idempotency-key': randomUUID() };
    const request = http.request({ socketPath: socket, agent, method: 'POST', path: '/v1/messages', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        if (response.statusCode !== 202) return reject(new Error(`tetherd answered ${response.statusCode}`));
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        resolve();
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Milliseconds one call takes. */
async function roundTrip(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

const stack = await startStack({ daemonEnv: { TETHER_SIGNAL_URL: 'http://127.0.0.1:9', TETHER_OUTBOX_MAX: '1000000' } });
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
try {
  const timings = { client: [] as number[], raw: [] as number[] };
  const body = (which: string, index: number): { recipients: string[]; message: string } => ({ recipients: [FRIEND], message: `${which} ${index}` });
  for (let index = 0; index < WARMUP + CALLS; index++) {
    // Alternate which goes first, so neither always follows the other.
    const order = index % 2 === 0 ? (['client', 'raw'] as const) : (['raw', 'client'] as const);
    for (const which of order) {
      const ms =
        which === 'client'
          ? await roundTrip(() => stack.client.send(body(which, index)))
          : await roundTrip(() => rawSend(agent, stack.socket, JSON.stringify(body(which, index))));
      if (index >= WARMUP) timings[which].push(ms);
    }
  }
  const result = figure(median(timings.client), median(timings.raw), 'ms', 'lower', 3);
  console.log(`client-send-rtt: client.send ${result.value} ms, raw node:http POST ${result.baseline} ms (medians of ${CALLS} each, alternating); ratio ${result.ratio} (goal ≤ 1.1)`);
  console.log(`wrote ${writeResults('client', { 'client-send-rtt': result })}`);
} finally {
  agent.destroy();
  await stack.close();
}
