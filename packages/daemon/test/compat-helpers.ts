// Shared pieces of the compat endpoint's end-to-end tests: a tetherd with TETHER_COMPAT_LISTEN
// (its port read from the log), raw HTTP calls to any base URL, a queueing WebSocket client, and
// validators built from the vendored swagger.json of signal-cli-rest-api.
import { readFileSync } from 'node:fs';
import { request, within } from '@tether/test-helpers';
import AjvModule from 'ajv-draft-04';
import WebSocket from 'ws';
import { Tetherd, tempDir } from './tetherd.js';

export async function compatDaemon(env: Record<string, string>, stateDir = tempDir()): Promise<{ tetherd: Tetherd; base: string; stateDir: string }> {
  const tetherd = new Tetherd(stateDir, { TETHER_COMPAT_LISTEN: '127.0.0.1:0', ...env });
  const line = await tetherd.logLine(/compat API listening/);
  const { compat } = JSON.parse(line) as { compat: { host: string; port: number } };
  return { tetherd, base: `http://${compat.host}:${compat.port}`, stateDir };
}

export interface Reply {
  readonly status: number;
  readonly text: string;
  /** The parsed body, or the text when it is not JSON. */
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** One request; `body` is sent as it is when a string (to test broken JSON), else as JSON. */
export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const payload = body === undefined ? {} : typeof body === 'string' ? { body } : { json: body };
  const reply = await request(new URL(path, base), { method, headers, ...payload });
  return { status: reply.status, text: reply.text, body: reply.json === undefined ? reply.text : reply.json, headers: Object.fromEntries(reply.headers) };
}

/** A receive WebSocket that queues its frames, so tests await the next one instead of sleeping. */
export class ReceiveClient {
  readonly socket: WebSocket;
  readonly #frames: Record<string, unknown>[] = [];
  readonly #waiters: ((frame: Record<string, unknown>) => void)[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;

  constructor(base: string, number: string, headers: Record<string, string> = {}) {
    this.socket = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/receive/${encodeURIComponent(number)}`, { headers });
    this.socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      const waiter = this.#waiters.shift();
      if (waiter) waiter(frame);
      else this.#frames.push(frame);
    });
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('unexpected-response', (_request, response) => {
        this.socket.terminate();
        reject(new Error(`handshake refused with HTTP ${response.statusCode ?? 0}`));
      });
    });
  }

  next(): Promise<Record<string, unknown>> {
    const frame = this.#frames.shift();
    if (frame) return Promise.resolve(frame);
    return within(new Promise((resolve) => this.#waiters.push(resolve)), 'a WebSocket frame');
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.closed;
  }
}

export const textOf = (frame: Record<string, unknown>): unknown => (frame['envelope'] as { dataMessage?: { message?: unknown } } | undefined)?.dataMessage?.message;

type Schema = Record<string, unknown>;
const swagger = JSON.parse(readFileSync(new URL('../../signal-emulator/contract/swagger.json', import.meta.url), 'utf8')) as {
  definitions: Record<string, Schema>;
  paths: Record<string, Record<string, { responses: Record<string, { schema?: Schema }> }>>;
};

// signal-cli writes some record fields as null, which the generated receive.* schemas do not
// model (see the emulator's contract/README.md): exactly those are widened to allow null.
const NULLABLE: Readonly<Record<string, readonly string[]>> = {
  'receive.MessageEnvelope': ['source', 'sourceNumber', 'sourceUuid', 'sourceName', 'sourceDevice'],
  'receive.DataMessage': ['message', 'expiresInSeconds'],
  'receive.Attachment': ['filename', 'id', 'size', 'width', 'height', 'caption', 'uploadTimestamp'],
  'receive.GroupInfo': ['groupName'],
  'receive.Reaction': ['targetAuthorNumber', 'targetAuthorUuid'],
};

const definitions = structuredClone(swagger.definitions);
for (const [name, fields] of Object.entries(NULLABLE)) {
  const properties = (definitions[name]?.['properties'] ?? {}) as Record<string, Schema>;
  for (const field of fields) if (typeof properties[field]?.['type'] === 'string') properties[field]['type'] = [properties[field]['type'], 'null'];
}
const ajv = new AjvModule.default({ allErrors: true, strict: false });
ajv.addSchema({ id: 'swagger.json', definitions });

/** Errors of `value` against swagger's response schema for a path, method and status ([] = valid). */
export function schemaErrors(path: string, method: string, status: number, value: unknown): string[] {
  const schema = swagger.paths[path]?.[method]?.responses[String(status)]?.schema;
  if (schema === undefined) return [`no schema for ${method} ${path} ${status}`];
  return validate(JSON.parse(JSON.stringify(schema).replaceAll('"#/definitions/', '"swagger.json#/definitions/')) as Schema, value);
}

export function definitionErrors(name: string, value: unknown): string[] {
  return validate({ $ref: `swagger.json#/definitions/${name}` }, value);
}

function validate(schema: Schema, value: unknown): string[] {
  const check = ajv.compile(schema);
  return check(value) ? [] : (check.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'invalid'}`);
}
