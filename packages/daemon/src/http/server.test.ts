// tetherd's listeners: the Unix socket is 0600 from the start, a stale socket of a dead daemon is
// removed, but a live one, a link or another file at the path stops the start with the fix;
// loopback TCP answers on a free port; closing lets requests finish and cuts idle connections.
import { linkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { request, tempDir } from '@tether/test-helpers';
import { describe, expect, it } from 'vitest';
import { listenTcp, listenUnix } from './server.js';

const hello = (_request: unknown, response: { end(text: string): void }): void => response.end('hello');

describe('listenUnix', () => {
  it('serves on a socket only its user can use, and removes it on close', async () => {
    const socketPath = tempDir().join('run', 'tether.sock');
    const listener = await listenUnix(socketPath, hello);
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    expect(listener.address).toEqual({ socketPath });
    expect((await request('http://tetherd/', { socketPath })).text).toBe('hello');
    await listener.close();
    await listener.close();
    expect(() => statSync(socketPath)).toThrow(/ENOENT/);
  });

  it('takes over the stale socket of a daemon that died', async () => {
    const directory = tempDir();
    const live = net.createServer();
    await new Promise<void>((resolve) => live.listen(directory.join('live.sock'), resolve));
    // a second name for the socket outlives the server: nothing listens behind it any more
    linkSync(directory.join('live.sock'), directory.join('tether.sock'));
    await new Promise((resolve) => live.close(resolve));
    const listener = await listenUnix(directory.join('tether.sock'), hello);
    expect((await request('http://tetherd/', { socketPath: directory.join('tether.sock') })).text).toBe('hello');
    await listener.close();
  });

  it('never takes a live socket, a link or another file, and says what to do', async () => {
    const directory = tempDir();
    const first = await listenUnix(directory.join('tether.sock'), hello);
    await expect(listenUnix(directory.join('tether.sock'), hello)).rejects.toThrow(/belongs to a running process; set TETHER_SOCKET to another path or stop it/);
    await first.close();
    symlinkSync(directory.join('nowhere'), directory.join('link.sock'));
    await expect(listenUnix(directory.join('link.sock'), hello)).rejects.toThrow(/is a symbolic link; remove it or set TETHER_SOCKET/);
    writeFileSync(directory.join('file.sock'), '');
    await expect(listenUnix(directory.join('file.sock'), hello)).rejects.toThrow(/exists and is not a socket/);
  });
});

describe('listenTcp', () => {
  it('listens on a free loopback port, refuses a taken one, and closes idle keep-alive connections', async () => {
    const listener = await listenTcp('127.0.0.1', 0, hello);
    const address = listener.address as { host: string; port: number };
    expect(address.host).toBe('127.0.0.1');
    expect((await request(`http://127.0.0.1:${address.port}/`)).text).toBe('hello');
    await expect(listenTcp('127.0.0.1', address.port, hello)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await listener.close();
    await expect(request(`http://127.0.0.1:${address.port}/`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
