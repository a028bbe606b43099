import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineDecoder, lineDecoderDefaults } from './line-decoder.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function feed(decoder: LineDecoder, chunks: readonly (Uint8Array | string)[]): { lines: string[]; oversizedLines: number } {
  const lines: string[] = [];
  let oversizedLines = 0;
  for (const chunk of chunks) {
    const result = decoder.push(chunk);
    lines.push(...result.lines);
    oversizedLines += result.oversizedLines;
  }
  return { lines, oversizedLines };
}

describe('LineDecoder', () => {
  it('splits lines within and across chunks', () => {
    expect(feed(new LineDecoder(), ['{"a":1}\n{"b"', ':2}\n{"c":3}\n'])).toEqual({ lines: ['{"a":1}', '{"b":2}', '{"c":3}'], oversizedLines: 0 });
  });

  it('handles \\r\\n, also when split between chunks, and skips blank lines', () => {
    expect(feed(new LineDecoder(), ['one\r', '\ntwo\r\n\r\n  \n', 'three\n']).lines).toEqual(['one', 'two', 'three']);
  });

  it('rejoins a multibyte character cut between chunks', () => {
    const line = bytes('{"message":"Grüße 📚"}\n');
    const cut = line.indexOf(0xf0) + 2;
    expect(feed(new LineDecoder(), [line.subarray(0, cut), line.subarray(cut)]).lines).toEqual(['{"message":"Grüße 📚"}']);
  });

  it('does not depend on the caller keeping its buffer', () => {
    const decoder = new LineDecoder();
    const chunk = bytes('abc');
    decoder.push(chunk);
    chunk.fill(0x78);
    expect(decoder.push('\n').lines).toEqual(['abc']);
  });

  it('drops an oversized line, reports it when the limit is crossed, and reads on', () => {
    const decoder = new LineDecoder({ maxLineBytes: 8 });
    expect(decoder.push('short\n12345')).toEqual({ lines: ['short'], oversizedLines: 0 });
    expect(decoder.push('6789')).toEqual({ lines: [], oversizedLines: 1 });
    expect(decoder.push('more of the same')).toEqual({ lines: [], oversizedLines: 0 });
    expect(decoder.push('\nnext\n')).toEqual({ lines: ['next'], oversizedLines: 0 });
  });

  it('counts every oversized line in one chunk and keeps a line of exactly the limit', () => {
    const decoder = new LineDecoder({ maxLineBytes: 4 });
    expect(decoder.push('12345\nabcd\n123456789\nok\n')).toEqual({ lines: ['abcd', 'ok'], oversizedLines: 2 });
  });

  it('gives back an unfinished last line on flush, once', () => {
    const decoder = new LineDecoder();
    decoder.push('{"a":1}\n{"partial"');
    expect(decoder.flush()).toBe('{"partial"');
    expect(decoder.flush()).toBeNull();
    decoder.push(bytes('x'));
    decoder.push(bytes('y\r'));
    expect(decoder.flush()).toBe('xy');
  });

  it('defaults to 64 MiB', () => {
    expect(lineDecoderDefaults.maxLineBytes).toBe(64 * 1024 * 1024);
  });

  it('yields the same lines however the bytes are chunked', () => {
    const line = fc.string({ unit: 'grapheme', minLength: 1 }).filter((text) => !/[\r\n]/.test(text) && text.trim() !== '');
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (lines, cuts) => {
        const all = bytes(lines.map((text) => `${text}\n`).join(''));
        const points = [...new Set(cuts.map((cut) => cut % (all.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((start, index) => all.subarray(start, points[index] ?? all.length));
        expect(feed(new LineDecoder(), chunks).lines).toEqual(lines);
      }),
    );
  });
});
