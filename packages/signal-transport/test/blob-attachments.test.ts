// Attachments sent by reference (`blob` + `readBlob`) over real sockets: the bytes reach the
// emulator exactly, and the wire carries exactly the JSON that inline bytes would have made; a
// reader that fails costs only its own send; JSON-RPC requests wait for a streaming line.
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Link } from '@tether/core';
import { startEmulator, type Emulator } from '@tether/signal-emulator';
import { within } from '@tether/test-helpers';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSignalTransport,
  encodeRequest,
  jsonRpcSendParams,
  restSendBody,
  type BlobReader,
  type OutgoingAttachment,
  type OutgoingMessage,
  type SignalTransport,
} from '../src/index.js';
import { ACCOUNT, FRIEND, type BackendName } from './helpers.js';
import { lines, requestBody, wireTap, type WireTap } from './wire-tap.js';

// 3 MiB and one byte: the base64 ends in padding.
const SIZE = 3 * 1024 * 1024 + 1;
const BYTES = Buffer.from(Array.from({ length: SIZE }, (_, index) => (index * 7919 + (index >> 11)) & 0xff));
const STORE = new Map([['big', BYTES]]);

/** Reads stored blobs in uneven chunks, as a database of chunks would not. */
async function* uneven(bytes: Buffer): AsyncGenerator<Uint8Array> {
  const sizes = [1, 7, 65_537, 250_000, 2, 1_048_576];
  for (let from = 0, turn = 0; from < bytes.length; turn++) {
    const to = Math.min(bytes.length, from + sizes[turn % sizes.length]!);
    yield new Uint8Array(bytes.subarray(from, to));
    from = to;
  }
}

const readStore: BlobReader = (id) => uneven(STORE.get(id)!);

const blobAttachment = (id = 'big', size = SIZE): OutgoingAttachment => ({ filename: 'big report.pdf', contentType: 'application/pdf', blob: { id, size } });
const withBlob = (id?: string, size?: number): OutgoingMessage => ({ recipients: [FRIEND], message: 'the report', attachments: [blobAttachment(id, size)] });
const inline: OutgoingMessage = {
  recipients: [FRIEND],
  message: 'the report',
  attachments: [{ filename: 'big report.pdf', contentType: 'application/pdf', data: BYTES.toString('base64') }],
};

const sendOptions = (signal: AbortSignal = AbortSignal.timeout(15_000)) => ({ signal, idempotencyKey: 'test' });

interface Running {
  emulator: Emulator;
  tap: WireTap;
  transport: SignalTransport;
  link?: Link;
}

let running: Running | undefined;

afterEach(async () => {
  running?.link?.close();
  if (running?.transport.kind === 'signal-rest') running.transport.dispose();
  await running?.tap.close();
  await running?.emulator.close();
  running = undefined;
});

/** The emulator behind a wire tap, and a transport on the tap (JSON-RPC connected); `readBlob` null: none. */
async function start(backend: BackendName, readBlob: BlobReader | null = readStore): Promise<Running> {
  const emulator = await startEmulator({ account: ACCOUNT, ...(backend === 'rest' ? {} : { rest: false, jsonRpc: { tcp: { port: 0 }, receiveMode: 'manual' } }) });
  const target = new URL((backend === 'rest' ? emulator.restUrl : emulator.jsonRpcUrl)!);
  const tap = await wireTap({ host: target.hostname, port: Number(target.port) });
  const url = `${backend === 'rest' ? 'http' : 'tcp'}://127.0.0.1:${tap.port}`;
  const transport = createSignalTransport({ url, account: ACCOUNT, ...(readBlob ? { readBlob } : {}) });
  running = { emulator, tap, transport };
  if (backend === 'jsonrpc') running.link = await connect(transport);
  return running;
}

function connect(transport: SignalTransport): Promise<Link> {
  return transport.connect({ signal: AbortSignal.timeout(5_000), onIncoming: () => undefined });
}

/** A reader that yields `first` bytes of BYTES, then waits for `resume` (resolves `paused` first). */
function pausing(first: number, resume: Promise<void>): { readonly read: BlobReader; readonly paused: Promise<void> } {
  let pause = (): void => {};
  const paused = new Promise<void>((resolve) => (pause = resolve));
  return {
    paused,
    read: async function* () {
      if (first > 0) yield new Uint8Array(BYTES.subarray(0, first));
      pause();
      await resume;
      yield new Uint8Array(BYTES.subarray(first));
    },
  };
}

function failingAfter(bytes: number, error: Error): BlobReader {
  return async function* () {
    if (bytes > 0) yield new Uint8Array(BYTES.subarray(0, bytes));
    throw error;
  };
}

describe.each(['rest', 'jsonrpc'] as const)('a blob attachment over %s', (backend: BackendName) => {
  it('reaches Signal with exactly its bytes, the wire carrying what the bytes inline would have made', async () => {
    const { emulator, tap, transport } = await start(backend);
    expect(await transport.send(withBlob(), sendOptions())).toMatchObject({ kind: 'sent' });
    expect(emulator.sent().map((record) => record.attachments)).toEqual([[{ contentType: 'application/pdf', filename: 'big report.pdf', size: SIZE }]]);
    const written = tap.written();
    let wire: Buffer;
    let expected: string;
    if (backend === 'rest') {
      wire = requestBody(written, '/v2/send')!;
      const body = restSendBody(ACCOUNT, inline);
      expected = body.ok ? JSON.stringify(body.body) : '';
    } else {
      const line = lines(written).find((text) => text.includes('"method":"send"'))!;
      wire = Buffer.from(line);
      const params = jsonRpcSendParams(ACCOUNT, inline);
      expected = params.ok ? encodeRequest(JSON.parse(line).id, 'send', params.body).slice(0, -1) : '';
    }
    expect(wire.length).toBe(Buffer.byteLength(expected));
    expect(wire.equals(Buffer.from(expected))).toBe(true);
    const uri: string = backend === 'rest' ? JSON.parse(wire.toString()).base64_attachments[0] : JSON.parse(wire.toString()).params.attachments[0];
    expect(Buffer.from(uri.slice(uri.indexOf(';base64,') + 8), 'base64').equals(BYTES)).toBe(true);
  });

  it('is failed when the blob is gone for good, and nothing was written', async () => {
    const run = await start(backend, failingAfter(0, Object.assign(new Error('no such blob'), { code: 'blob-missing' })));
    let closed = false;
    void run.link?.closed.then(() => (closed = true));
    expect(await run.transport.send(withBlob(), sendOptions())).toEqual({ kind: 'failed', error: 'attachment big report.pdf is gone: no such blob' });
    expect(await run.transport.send({ recipients: [FRIEND], message: 'next' }, sendOptions())).toMatchObject({ kind: 'sent' });
    expect(closed).toBe(false);
    expect(run.emulator.sent().map((record) => record.message)).toEqual(['next']);
  });

  it('is failed without a readBlob', async () => {
    const { emulator, transport } = await start(backend, null);
    expect(await transport.send(withBlob(), sendOptions())).toEqual({ kind: 'failed', error: 'attachment big report.pdf is a blob reference, and the transport has no readBlob' });
    expect(emulator.sent()).toEqual([]);
  });

  it('is not-sent when the reader fails midway, and the next send goes through', async () => {
    const run = await start(backend, failingAfter(1_000_000, new Error('disk read error')));
    const outcome = await run.transport.send(withBlob(), sendOptions());
    expect(outcome).toEqual({ kind: 'not-sent', error: 'attachment big report.pdf could not be read: disk read error' });
    if (run.link) {
      // Half a line was written: the connection had to go, and a new one carries the next send.
      expect(await within(run.link.closed, 'the cut-off connection to close')).toMatchObject({ reason: 'error', error: { message: expect.stringMatching(/cut off mid-line/) } });
      run.link = await connect(run.transport);
    }
    expect(await run.transport.send({ recipients: [FRIEND], message: 'next' }, sendOptions())).toMatchObject({ kind: 'sent' });
    expect(run.emulator.sent().map((record) => record.message)).toEqual(['next']);
  });

  it('is not-sent when the deadline passes while the reader stalls', async () => {
    const stall = pausing(backend === 'rest' ? 1_000 : 0, new Promise<void>(() => undefined));
    const run = await start(backend, stall.read);
    const deadline = new AbortController();
    const sending = run.transport.send(withBlob(), sendOptions(deadline.signal));
    await within(stall.paused, 'the reader to stall');
    deadline.abort();
    expect(await within(sending, 'the send to settle')).toEqual({ kind: 'not-sent', error: 'aborted before the request was written' });
    // Nothing of the JSON-RPC line was written, so its connection is still there for others.
    expect(await run.transport.send({ recipients: [FRIEND], message: 'next' }, sendOptions())).toMatchObject({ kind: 'sent' });
    expect(run.emulator.sent().map((record) => record.message)).toEqual(['next']);
  });
});

describe('JSON-RPC while a blob line streams', () => {
  it('writes a call issued meanwhile after the line, and both are answered', async () => {
    let resume = (): void => {};
    const stall = pausing(1_048_576, new Promise<void>((resolve) => (resume = resolve)));
    const { emulator, tap, transport } = await start('jsonrpc', stall.read);
    if (transport.kind !== 'signal-jsonrpc') throw new Error('not JSON-RPC');
    const sending = transport.send(withBlob(), sendOptions());
    await within(stall.paused, 'the line to be half written');
    const calling = transport.call('version', { account: ACCOUNT }, AbortSignal.timeout(15_000));
    resume();
    const [sent, called] = await within(Promise.all([sending, calling]), 'both answers');
    expect(sent).toMatchObject({ kind: 'sent' });
    expect(called).toMatchObject({ kind: 'result', result: { version: expect.any(String) } });
    expect(emulator.sent()[0]?.attachments[0]?.size).toBe(SIZE);
    expect(lines(tap.written()).map((line) => JSON.parse(line).method).slice(-2)).toEqual(['send', 'version']);
  });
});

describe('REST with a 64 MiB blob', () => {
  it('reads the blob only as fast as the server takes the body, and keeps nothing of what it wrote', async () => {
    // The heap after a full collection: what is still referenced (the base64 text is heap
    // strings; buffers in flight on the sockets are not counted, `widest` bounds those).
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const live = (): number => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const size = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 0xab);
    let received = 0;
    let read = 0;
    let widest = 0;
    let grown = 0;
    const server = http.createServer((request, response) => {
      request.on('data', (data: Buffer) => (received += data.length));
      request.on('end', () => response.writeHead(201, { 'content-type': 'application/json' }).end('{"timestamp":"1"}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const transport = createSignalTransport({
      url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      account: ACCOUNT,
      readBlob: async function* () {
        const before = live();
        for (; read < size; read += chunk.length) {
          // Bytes read but not yet at the server: base64 makes 4 bytes of 3.
          widest = Math.max(widest, read - (received * 3) / 4);
          if (read % (8 * chunk.length) === 0) grown = Math.max(grown, live() - before);
          yield chunk;
        }
      },
    });
    try {
      expect(await transport.send(withBlob('huge', size), sendOptions())).toEqual({ kind: 'sent', backendId: '1' });
      expect(read).toBe(size);
      // Reading ahead, or keeping what was written, would grow with the blob towards 64 MiB and more.
      expect(widest).toBeLessThan(size / 2);
      expect(grown).toBeLessThan(size / 4);
    } finally {
      if (transport.kind === 'signal-rest') transport.dispose();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
