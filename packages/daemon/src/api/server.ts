// The control API's listeners: a Unix socket that is 0600 from the moment it exists (created
// under a restrictive umask), and optionally loopback TCP that demands a bearer token. A stale
// socket left by a killed daemon is removed; a live one is never taken over.
import { chmodSync, existsSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { Gateway } from '../gateway.js';
import { createHandler } from './router.js';

export interface Listeners {
  readonly socketPath: string;
  readonly tcpAddress?: { readonly host: string; readonly port: number };
  close(): Promise<void>;
}

export async function listen(gateway: Gateway, options: { readonly socketPath: string; readonly tcp?: { host: string; port: number }; readonly token?: string }): Promise<Listeners> {
  await removeStaleSocket(options.socketPath);
  mkdirSync(path.dirname(options.socketPath), { recursive: true, mode: 0o700 });
  const unixServer = http.createServer(createHandler(gateway));
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      unixServer.once('error', reject);
      unixServer.listen(options.socketPath, () => resolve());
    });
  } finally {
    process.umask(previous);
  }
  chmodSync(options.socketPath, 0o600);
  const servers: http.Server[] = [unixServer];
  let tcpAddress: { host: string; port: number } | undefined;
  if (options.tcp) {
    const tcpServer = http.createServer(createHandler(gateway, { token: options.token! }));
    await new Promise<void>((resolve, reject) => {
      tcpServer.once('error', reject);
      tcpServer.listen(options.tcp!.port, options.tcp!.host, () => resolve());
    });
    const address = tcpServer.address() as net.AddressInfo;
    tcpAddress = { host: address.address, port: address.port };
    servers.push(tcpServer);
  }
  return {
    socketPath: options.socketPath,
    ...(tcpAddress ? { tcpAddress } : {}),
    close: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeIdleConnections();
            }),
        ),
      );
    },
  };
}

async function removeStaleSocket(socketPath: string): Promise<void> {
  if (!existsSync(socketPath)) return;
  if (!lstatSync(socketPath).isSocket()) throw new Error(`${socketPath} exists and is not a socket; set TETHER_SOCKET to another path`);
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect({ path: socketPath });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`${socketPath} belongs to a running process; set TETHER_SOCKET to another path or stop it`);
  unlinkSync(socketPath);
}
