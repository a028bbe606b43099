// A TCP proxy in front of a backend that keeps every byte each client connection wrote: what
// actually went over the wire, for tests that compare it with what should have.
import net from 'node:net';

export interface WireTap {
  readonly port: number;
  /** What each connection wrote so far, in the order they were opened. */
  written(): Buffer[];
  close(): Promise<void>;
}

export async function wireTap(target: { readonly host: string; readonly port: number }): Promise<WireTap> {
  const connections: Buffer[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const chunks: Buffer[] = [];
    connections.push(chunks);
    const upstream = net.connect(target);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    written: () => connections.map((chunks) => Buffer.concat(chunks)),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The body of the first `POST <path>` any connection wrote (by its content-length). */
export function requestBody(written: readonly Buffer[], path: string): Buffer | undefined {
  for (const data of written) {
    const start = data.indexOf(`POST ${path} HTTP/1.1\r\n`);
    if (start === -1) continue;
    const headersEnd = data.indexOf('\r\n\r\n', start);
    const length = /\r\ncontent-length: *(\d+)/i.exec(data.subarray(start, headersEnd).toString('latin1'))?.[1];
    if (length === undefined) return undefined;
    return data.subarray(headersEnd + 4, headersEnd + 4 + Number(length));
  }
  return undefined;
}

/** Every whole line the connections wrote, as text. */
export function lines(written: readonly Buffer[]): string[] {
  return written.flatMap((data) => data.toString('utf8').split('\n').slice(0, -1));
}
