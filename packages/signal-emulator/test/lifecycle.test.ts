// Starting and closing: disposal with `await using`, a port already in use, and Unix socket paths
// left behind by a killed process.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from '@tether/test-helpers';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../src/index.js';
import { JsonRpcClient } from './helpers/json-rpc-client.js';

const account = '+4915112345678';
const directory = tempDir();
afterAll(() => directory.remove());

describe('lifecycle', () => {
  it('closes with await using, and close is idempotent', async () => {
    let url: string | undefined;
    {
      await using emulator = await startEmulator({ account });
      url = emulator.restUrl;
      expect((await fetch(`${url}/v1/health`)).status).toBe(204);
    }
    await expect(fetch(`${url}/v1/health`)).rejects.toThrow();
  });

  it('fails to start on a port in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await expect(startEmulator({ account, rest: { port } })).rejects.toThrow(/EADDRINUSE/);
    await expect(startEmulator({ account, rest: false, jsonRpc: { tcp: { port } } })).rejects.toThrow(/EADDRINUSE/);
    blocker.close();
  });

  it('replaces a stale socket file but refuses to replace a regular file', async () => {
    const stale = join(directory.path, 'stale.sock');
    const first = await startEmulator({ account, rest: false, jsonRpc: { unix: stale } });
    // A socket file already at the path (as a killed daemon leaves one) is replaced.
    const second = await startEmulator({ account, rest: false, jsonRpc: { unix: stale } });
    const client = await JsonRpcClient.connect(`unix:${stale}`);
    expect((await client.request('version')).result).toBeDefined();
    client.socket.destroy();
    await second.close();
    await first.close();
    const regular = join(directory.path, 'not-a-socket');
    writeFileSync(regular, 'keep me');
    await expect(startEmulator({ account, rest: false, jsonRpc: { unix: regular } })).rejects.toThrow(/not a socket/);
  });
});
