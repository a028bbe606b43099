import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutAt } from '../app/testing/pieces.js';
import { BodyBudget } from './body.js';
import { readJsonStreaming, type JsonPath, type StringSink } from './json-stream.js';

/** A request whose body arrives in exactly these chunks. */
function request(chunks: readonly Buffer[], headers: Record<string, string> = {}): IncomingMessage {
  return Object.assign(Readable.from(chunks), { headers }) as unknown as IncomingMessage;
}

const cut = cutAt<Buffer>;

const read = (chunks: readonly Buffer[], streamAt: (path: JsonPath) => StringSink | undefined = () => undefined, limitBytes = 1e9) =>
  readJsonStreaming(request(chunks), { limitBytes, tooLarge: () => new Error('too large'), reservation: new BodyBudget(1e9).open(), streamAt });

const code = (promise: Promise<unknown>): Promise<unknown> => promise.then(
  () => 'no error',
  (error: { code?: string; message: string }) => error.code ?? error.message,
);

describe('readJsonStreaming', () => {
  it('gives what JSON.parse gives, however the body is cut', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.array(fc.nat(), { maxLength: 8 }), async (value, points) => {
        const text = JSON.stringify(value);
        expect(await read(cut(Buffer.from(text), points))).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('hands the strings at the paths it is told to a sink, piece by piece, and puts what the sink ends with in their place', async () => {
    const long = 'A'.repeat(100_000);
    const body = Buffer.from(JSON.stringify({ keep: 'short', items: [{ data: long }, { data: 'x\n"é😀' }], data: 'not this one' }));
    const pieces: string[][] = [];
    const value = await read(cut(body, [7, 1000, 5000, 70_000, 100_010]), (path) => {
      if (path.length !== 3 || path[0] !== 'items' || path[2] !== 'data') return undefined;
      const mine: string[] = [];
      pieces.push(mine);
      return { write: (piece) => void mine.push(piece), end: () => ({ stored: path[1], length: mine.join('').length }) };
    });
    expect(value).toEqual({ keep: 'short', items: [{ data: { stored: 0, length: 100_000 } }, { data: { stored: 1, length: 6 } }], data: 'not this one' });
    expect(pieces[0]!.length).toBeGreaterThan(10); // never the whole string at once
    expect(pieces[0]!.join('')).toBe(long);
    expect(pieces[1]!.join('')).toBe('x\n"é😀');
  });

  it('gives the event loop turns while it reads a body that is all buffered already', async () => {
    const body = Buffer.from(JSON.stringify({ data: 'A'.repeat(4 * 1024 * 1024) }));
    let turns = 0;
    let finished = false;
    const count = (): void => {
      turns++;
      if (!finished) setImmediate(count);
    };
    setImmediate(count);
    await read(cut(body, Array.from({ length: 64 }, (_, index) => index * 65_536)));
    finished = true;
    expect(turns).toBeGreaterThanOrEqual(8); // 4 MiB: a turn at least every 512 KiB
  });

  it('parses a body that declares at most 1 MiB whole, its strings left to the caller', async () => {
    const body = Buffer.from(JSON.stringify({ attachments: [{ data: 'QUJD' }] }));
    let sunk = 0;
    const streamAt = () => ({ write: () => void sunk++, end: () => 'stored' });
    const small = request([body], { 'content-length': String(body.length) });
    expect(await readJsonStreaming(small, { limitBytes: 1e9, tooLarge: () => new Error('too large'), reservation: new BodyBudget(1e9).open(), streamAt })).toEqual({ attachments: [{ data: 'QUJD' }] });
    expect(sunk).toBe(0);
    const bad = Buffer.from('{"a":"\xff"}', 'latin1');
    const strict = request([bad], { 'content-length': String(bad.length) });
    expect(await code(readJsonStreaming(strict, { limitBytes: 1e9, tooLarge: () => new Error('too large'), reservation: new BodyBudget(1e9).open(), streamAt }))).toBe('invalid-body');
    const lenient = request([bad], { 'content-length': String(bad.length) });
    expect(await readJsonStreaming(lenient, { limitBytes: 1e9, tooLarge: () => new Error('too large'), reservation: new BodyBudget(1e9).open(), streamAt, invalidUtf8: 'replace' })).toEqual({ a: '\ufffd' });
  });

  it('keeps "__proto__" as an own key, as JSON.parse does, never as the prototype', async () => {
    const value = (await read([Buffer.from('{"__proto__":{"polluted":true},"a":1}')])) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect((value as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('refuses bad input with the error a client can act on', async () => {
    expect(await read([])).toBeUndefined();
    expect(await code(read([Buffer.from('{"a":')]))).toBe('invalid-json');
    expect(await code(read([Buffer.from('{"a":1} x')]))).toBe('invalid-json');
    expect(await code(read([Buffer.from('  ')]))).toBe('invalid-json');
    expect(await code(read([Buffer.from('{"a":"'), Buffer.from([0xc3]), Buffer.from('"}')]))).toBe('invalid-body');
    expect(await code(read([Buffer.from('"'), Buffer.from([0xe2, 0x82])]))).toBe('invalid-body');
    expect(await code(read([Buffer.from('['.repeat(65) + ']'.repeat(65))]))).toBe('invalid-body');
    expect(await read([Buffer.from('['.repeat(64) + ']'.repeat(64))])).toBeDefined();
    expect(await code(read([Buffer.from('{"a":"0123456789"}')], undefined, 10))).toBe('too large');
  });

  it('counts the text it keeps against the budget of bodies in flight, and nothing it hands to a sink', async () => {
    const budget = new BodyBudget(1_000);
    const body = Buffer.from(JSON.stringify({ big: 'B'.repeat(5_000), small: 's'.repeat(100) }));
    const sink = { write: () => undefined, end: () => 'stored' };
    const taken = budget.open();
    expect(await readJsonStreaming(request([body]), { limitBytes: 1e9, tooLarge: () => new Error('too large'), reservation: taken, streamAt: (path) => (path[0] === 'big' ? sink : undefined) })).toEqual({
      big: 'stored',
      small: 's'.repeat(100),
    });
    expect(budget.used).toBeLessThan(200);
    taken.release();
    expect(await code(readJsonStreaming(request([body]), { limitBytes: 1e9, tooLarge: () => new Error('too large'), reservation: budget.open(), streamAt: () => undefined }))).toBe('busy');
  });
});
