// Splits a byte stream into lines for signal-cli's newline-delimited JSON-RPC. Splitting happens
// on bytes: in UTF-8 the newline byte never occurs inside a multibyte character, so a character
// cut across two chunks is whole again by the time its line is decoded.

export interface LineDecoderOptions {
  /**
   * The longest line kept, in bytes; a longer one is dropped and reported rather than buffered
   * without end. Attachments travel by id, not inline, so real lines stay far below this.
   * @default 67108864 (64 MiB)
   */
  readonly maxLineBytes?: number;
}

export const lineDecoderDefaults = { maxLineBytes: 64 * 1024 * 1024 } as const satisfies Required<LineDecoderOptions>;

export interface DecodedLines {
  /** Complete lines, without `\n` or `\r\n`; blank lines are skipped. */
  readonly lines: readonly string[];
  /** Lines dropped in this push for exceeding `maxLineBytes` (counted when the limit is crossed). */
  readonly oversizedLines: number;
}

const NEWLINE = 0x0a;

export class LineDecoder {
  readonly #maxLineBytes: number;
  readonly #utf8 = new TextDecoder('utf-8');
  readonly #encoder = new TextEncoder();
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Inside an oversized line: its remaining bytes are dropped up to the next newline. */
  #discarding = false;

  constructor(options: LineDecoderOptions = {}) {
    this.#maxLineBytes = options.maxLineBytes ?? lineDecoderDefaults.maxLineBytes;
  }

  push(chunk: Uint8Array | string): DecodedLines {
    const bytes = typeof chunk === 'string' ? this.#encoder.encode(chunk) : chunk;
    const lines: string[] = [];
    let oversizedLines = 0;
    let start = 0;
    for (;;) {
      const newline = bytes.indexOf(NEWLINE, start);
      const piece = bytes.subarray(start, newline === -1 ? bytes.length : newline);
      if (!this.#discarding && this.#pendingBytes + piece.length > this.#maxLineBytes) {
        oversizedLines += 1;
        this.#reset();
        this.#discarding = true;
      }
      if (newline === -1) {
        // Copied: the caller may reuse its buffer once push returns.
        if (!this.#discarding && piece.length > 0) this.#keep(piece.slice());
        return { lines, oversizedLines };
      }
      if (!this.#discarding) {
        this.#keep(piece);
        const line = this.#take();
        if (line.trim() !== '') lines.push(line);
      }
      this.#discarding = false;
      start = newline + 1;
    }
  }

  /** The unfinished last line at the end of the stream (the peer died mid-write), if any. */
  flush(): string | null {
    const rest = this.#take();
    this.#discarding = false;
    return rest.trim() === '' ? null : rest;
  }

  #keep(piece: Uint8Array): void {
    this.#pending.push(piece);
    this.#pendingBytes += piece.length;
  }

  #take(): string {
    const whole = this.#pending.length === 1 ? this.#pending[0] : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#reset();
    const text = whole === undefined ? '' : this.#utf8.decode(whole);
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  }

  #reset(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}
