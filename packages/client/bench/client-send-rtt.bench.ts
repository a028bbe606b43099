// client-send-rtt (DECISIONS.md §10): the round trip of `client.send` against a raw node:http POST
// of the same body, with the same headers, over a keep-alive connection to the same tetherd, in the
// same run. Rounds alternate the two; the medians of per-round means are reported and written to
// bench-results/client.json. The backend is unreachable, so only the control API's intake counts,
// not Signal. Goal: ratio ≤ 1.1.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { figure, median, writeResults } from '@tether/config/bench';
import { FRIEND, startStack } from '../test/helpers/stack.js';

const WARMUP_ROUNDS = 4;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 30);
const PER_ROUND = 50;

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

/** Mean ms per call over `count` sequential calls. */
async function meanMs(count: number, call: (index: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < count; index++) await call(index);
  return (performance.now() - started) / count;
}

const stack = await startStack({ daemonEnv: { TETHER_SIGNAL_URL: 'http://127.0.0.1:9', TETHER_OUTBOX_MAX: '1000000' } });
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
try {
  const timings = { client: [] as number[], raw: [] as number[] };
  const body = (which: string, round: number, index: number): { recipients: string[]; message: string } => ({ recipients: [FRIEND], message: `${which} ${round}.${index}` });
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    // Alternate which goes first, so neither always runs on a warmer machine.
    const order = round % 2 === 0 ? (['client', 'raw'] as const) : (['raw', 'client'] as const);
    for (const which of order) {
      const ms =
        which === 'client'
          ? await meanMs(PER_ROUND, (index) => stack.client.send(body(which, round, index)))
          : await meanMs(PER_ROUND, (index) => rawSend(agent, stack.socket, JSON.stringify(body(which, round, index))));
      if (round >= WARMUP_ROUNDS) timings[which].push(ms);
    }
  }
  const result = figure(median(timings.client), median(timings.raw), 'ms', 'lower', 3);
  console.log(`client-send-rtt: client.send ${result.value} ms, raw node:http POST ${result.baseline} ms (medians of ${ROUNDS} rounds of ${PER_ROUND}); ratio ${result.ratio} (goal ≤ 1.1)`);
  console.log(`wrote ${writeResults('client', { 'client-send-rtt': result })}`);
} finally {
  agent.destroy();
  await stack.close();
}
