// A server-sent events parser (the WHATWG event-stream format): text in, complete events out.
// Pure and incremental, so chunk boundaries anywhere (even inside a line) make no difference.

export interface ServerEvent {
  /** The `id:` of this event, if the server gave one. */
  readonly id: string | undefined;
  /** The `event:` name; `message` when absent, as the format says. */
  readonly event: string;
  readonly data: string;
}

export class SseParser {
  #buffer = '';
  #id: string | undefined;
  #event = '';
  #data: string[] = [];
  #dispatchedId: string | undefined;

  /**
   * The stream's last event id, including one sent in a block without data (the format allows a
   * server to tell a fresh subscriber where it stands before any event).
   */
  get lastEventId(): string | undefined {
    return this.#dispatchedId;
  }

  /** Feeds decoded text; returns the events it completed. */
  push(text: string): ServerEvent[] {
    this.#buffer += text;
    const events: ServerEvent[] = [];
    let newline: number;
    while ((newline = this.#nextLineEnd()) !== -1) {
      const line = this.#buffer.slice(0, newline);
      const skip = this.#buffer[newline] === '\r' && this.#buffer[newline + 1] === '\n' ? 2 : 1;
      this.#buffer = this.#buffer.slice(newline + skip);
      const event = this.#line(line);
      if (event !== undefined) events.push(event);
    }
    return events;
  }

  #nextLineEnd(): number {
    const lf = this.#buffer.indexOf('\n');
    const cr = this.#buffer.indexOf('\r');
    if (cr === -1) return lf;
    // A lone CR at the very end may be the first half of CRLF: wait for more text.
    if (cr === this.#buffer.length - 1) return lf === -1 ? -1 : Math.min(lf, cr);
    return lf === -1 ? cr : Math.min(lf, cr);
  }

  #line(line: string): ServerEvent | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    return undefined;
  }

  #dispatch(): ServerEvent | undefined {
    const data = this.#data;
    const event = this.#event;
    this.#data = [];
    this.#event = '';
    this.#dispatchedId = this.#id;
    // The id persists between events (it is the stream's "last event id"), as browsers keep it.
    if (data.length === 0) return undefined;
    return { id: this.#id, event: event === '' ? 'message' : event, data: data.join('\n') };
  }
}
