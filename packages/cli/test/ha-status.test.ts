// `tether status` against tetherds sharing a PostgreSQL database: the standby names the leader
// and its lease, the leader says it holds the link.
import { startTestPostgres, type TestPostgres } from '@tether/test-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Status } from '@tether/daemon/protocol';
import { runTether, stopAll } from './helpers/processes.js';
import { startStack, type TestStack } from './helpers/stack.js';

let server: TestPostgres;
const stacks: TestStack[] = [];

beforeAll(async () => {
  server = await startTestPostgres();
  const database = await server.createDatabase();
  const leader = await startStack({ daemonEnv: { TETHER_DATABASE_URL: database, TETHER_INSTANCE_ID: 'tetherd-a' } });
  stacks.push(leader);
  await leader.waitForStatus((status) => status.role === 'leader');
  stacks.push(await startStack({ daemonEnv: { TETHER_DATABASE_URL: database, TETHER_INSTANCE_ID: 'tetherd-b' } }));
});
afterAll(async () => {
  await stopAll();
  for (const stack of stacks) await stack.close();
  await server?.close();
});

describe('tether status on a shared database', () => {
  it('shows a standby its role, the leader and the lease', async () => {
    const result = await runTether(['status'], stacks[1]!.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^role +standby: this tetherd accepts sends/m);
    expect(result.stdout).toMatch(/^leader +tetherd-a on \S+, leading since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/m);
    expect(result.stdout).toMatch(/lease until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    const json = JSON.parse((await runTether(['status', '--json'], stacks[1]!.env)).stdout) as Status;
    expect(json).toMatchObject({ role: 'standby', leader: { instance: 'tetherd-a' } });
  });

  it('shows the leader that it holds the link', async () => {
    const result = await runTether(['status'], stacks[0]!.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^role +leader: this tetherd holds the Signal link/m);
    expect(result.stdout).toMatch(/^link +connected/m);
  });
});
