// tetherd's HTTP listeners: a Unix socket that is 0600 from the moment it exists (created under a
// restrictive umask), and loopback TCP. A stale socket left by a killed daemon is removed; a live
// one is never taken over. Closing stops accepting, lets requests in progress finish, and cuts
// idle keep-alive connections.
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

export type RequestHandler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

export interface Listener {
  readonly server: http.Server;
  /** `unix:` path, or host and port. */
  readonly address: { readonly socketPath: string } | { readonly host: string; readonly port: number };
  close(): Promise<void>;
}

export async function listenUnix(socketPath: string, handler: RequestHandler): Promise<Listener> {
  await removeStaleSocket(socketPath);
  mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  const server = http.createServer(handler);
  const previous = process.umask(0o177);
  try {
    await listening(server, (done) => server.listen(socketPath, done));
  } finally {
    process.umask(previous);
  }
  chmodSync(socketPath, 0o600);
  return { server, address: { socketPath }, close: () => closeServer(server) };
}

export async function listenTcp(host: string, port: number, handler: RequestHandler): Promise<Listener> {
  const server = http.createServer(handler);
  await listening(server, (done) => server.listen(port, host, done));
  const address = server.address() as net.AddressInfo;
  return { server, address: { host: address.address, port: address.port }, close: () => closeServer(server) };
}

function listening(server: http.Server, start: (done: () => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    start(() => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

async function removeStaleSocket(socketPath: string): Promise<void> {
  let stat;
  try {
    stat = lstatSync(socketPath);
  } catch {
    return; // nothing there
  }
  if (stat.isSymbolicLink()) throw new Error(`${socketPath} is a symbolic link; remove it or set TETHER_SOCKET to another path`);
  if (!stat.isSocket()) throw new Error(`${socketPath} exists and is not a socket; set TETHER_SOCKET to another path`);
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
