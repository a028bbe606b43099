// A JSON request body read as it arrives, never held whole: stream-json's tokenizer turns the
// bytes into tokens chunk by chunk, and this file assembles them into the value JSON.parse would
// give, except that a string at a path the caller names goes, piece by piece, to a sink of the
// caller's (an attachment's base64 to the blob store) and the sink's result takes its place. So a
// 100 MB attachment costs one network chunk of memory and a few milliseconds per chunk of the
// event loop, instead of the whole body, its text and its parse at once. Small bodies (most sends)
// are parsed whole, natively; their attachments stay base64 strings.
import type { IncomingMessage } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TextDecoder } from 'node:util';
import { getManyValues, isMany, none } from 'stream-chain/defs.js';
import { jsonParser, type Token } from 'stream-json/core/parser.js';
import { AppError } from '../app/errors.js';
import { busy, parseJson, readBody, type Reservation } from './body.js';

/** Where a value sits: keys and array indexes from the top. */
export type JsonPath = readonly (string | number)[];

/** Takes one string's text in pieces; what `end` gives stands in the value for the string. */
export interface StringSink {
  write(piece: string): void | Promise<void>;
  end(): unknown;
}

export interface StreamingJsonOptions {
  readonly limitBytes: number;
  readonly tooLarge: () => Error;
  /** Claims the bytes held in memory (every string and key that does not go to a sink). */
  readonly reservation: Reservation;
  /** A sink for the string at `path`, or undefined to keep it as a string. */
  readonly streamAt: (path: JsonPath) => StringSink | undefined;
  /** Invalid UTF-8: refused (`invalid-body`), or replaced by U+FFFD as Go's decoder does (compat). @default 'refuse' */
  readonly invalidUtf8?: 'refuse' | 'replace';
}

/**
 * Bodies that declare at most this many bytes are read whole and parsed by JSON.parse: most sends
 * are small, native parsing is several times faster than tokens assembled in JavaScript, and a
 * mebibyte costs a few milliseconds. Larger bodies, and bodies of unknown length, stream.
 */
const WHOLE_UP_TO = 1024 * 1024;

/** Bytes read between turns of the event loop (a few milliseconds of work). */
const YIELD_EVERY = 256 * 1024;

/** Deeper than any request Tether takes; deeper input is refused before it costs anything. */
const MAX_DEPTH = 64;

interface Frame {
  readonly container: Record<string, unknown> | unknown[];
  /** The key whose value comes next (objects). */
  key: string | undefined;
}

/** The body as JSON (undefined when empty), with the strings `streamAt` picks handed to their sinks. */
export async function readJsonStreaming(request: IncomingMessage, options: StreamingJsonOptions): Promise<unknown> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > options.limitBytes) {
    request.resume();
    throw options.tooLarge();
  }
  // a small body, read whole and parsed natively; its strings stay strings (no sink sees them)
  if (Number.isFinite(declared) && declared <= WHOLE_UP_TO) return parseJson(await readBody(request, options.limitBytes, options.tooLarge, options.reservation), options.invalidUtf8);
  const assembler = new Assembler(options);
  const parse = jsonParser({ packKeys: true, streamKeys: false, packStrings: false, streamStrings: true, packNumbers: true, streamNumbers: false });
  const decoder = new TextDecoder('utf-8', { fatal: options.invalidUtf8 !== 'replace' });
  let size = 0;
  let sinceYield = 0;
  const feed = async (text: string | typeof none): Promise<void> => {
    let tokens: unknown;
    try {
      tokens = parse(text as string);
    } catch {
      throw new AppError('invalid-json', 'the request body is not valid JSON');
    }
    if (isMany(tokens)) for (const token of getManyValues(tokens) as Token[]) await assembler.take(token);
  };
  try {
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > options.limitBytes) throw options.tooLarge();
      await feed(utf8(decoder, chunk, true));
      // chunks already buffered are read in one chain of microtasks: let other work run between
      sinceYield += chunk.length;
      if (sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        await nextTurn();
      }
    }
    await feed(utf8(decoder, undefined, false));
    if (size === 0) return undefined;
    await feed(none);
  } catch (error) {
    request.resume();
    throw error;
  }
  return assembler.result();
}

function utf8(decoder: TextDecoder, chunk: Buffer | undefined, stream: boolean): string {
  try {
    return decoder.decode(chunk, { stream });
  } catch {
    throw new AppError('invalid-body', 'the request body is not valid UTF-8');
  }
}

/** Builds the value from tokens, as JSON.parse would (the last of repeated keys wins). */
class Assembler {
  readonly #options: StreamingJsonOptions;
  readonly #stack: Frame[] = [];
  #done = false;
  #value: unknown;
  /** The string being read: its sink, or the pieces kept. */
  #sink: StringSink | undefined;
  #pieces: string[] = [];

  constructor(options: StreamingJsonOptions) {
    this.#options = options;
  }

  result(): unknown {
    if (!this.#done) throw new AppError('invalid-json', 'the request body is not valid JSON');
    return this.#value;
  }

  async take(token: Token): Promise<void> {
    switch (token.name) {
      case 'startObject':
      case 'startArray':
        if (this.#stack.length >= MAX_DEPTH) throw new AppError('invalid-body', `the body nests deeper than ${MAX_DEPTH} levels`);
        this.#stack.push({ container: token.name === 'startObject' ? {} : [], key: undefined });
        return;
      case 'endObject':
      case 'endArray':
        return this.#place(this.#stack.pop()!.container);
      case 'keyValue':
        this.#hold(token.value.length);
        this.#top()!.key = token.value;
        return;
      case 'startString':
        this.#sink = this.#options.streamAt(this.#path());
        this.#pieces = [];
        return;
      case 'stringChunk':
        if (this.#sink) return void (await this.#sink.write(token.value));
        this.#hold(token.value.length);
        this.#pieces.push(token.value);
        return;
      case 'endString': {
        const value = this.#sink ? await this.#sink.end() : this.#pieces.join('');
        this.#sink = undefined;
        this.#pieces = [];
        return this.#place(value);
      }
      case 'numberValue':
        return this.#place(Number(token.value));
      case 'nullValue':
      case 'trueValue':
      case 'falseValue':
        return this.#place(token.value);
      default:
        return;
    }
  }

  #top(): Frame | undefined {
    return this.#stack[this.#stack.length - 1];
  }

  /** The path of the value about to be placed. */
  #path(): JsonPath {
    return this.#stack.map((frame) => (Array.isArray(frame.container) ? frame.container.length : frame.key!));
  }

  #place(value: unknown): void {
    const frame = this.#top();
    if (frame === undefined) {
      this.#value = value;
      this.#done = true;
    } else if (Array.isArray(frame.container)) {
      frame.container.push(value);
    } else {
      const key = frame.key!;
      // as with JSON.parse, "__proto__" is an own key like any other, never the prototype
      if (key === '__proto__') Object.defineProperty(frame.container, key, { value, writable: true, enumerable: true, configurable: true });
      else frame.container[key] = value;
      frame.key = undefined;
    }
  }

  /** Text kept in memory counts against the shared budget of bodies in flight. */
  #hold(characters: number): void {
    if (!this.#options.reservation.take(characters)) throw busy();
  }
}
