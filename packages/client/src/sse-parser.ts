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
    const buffer = this.#buffer + text;
    const events: ServerEvent[] = [];
    // One pass with a cursor and one slice at the end: slicing per line would copy the rest of a
    // large chunk (a replayed page) once for every line in it.
    let start = 0;
    for (let end = lineEnd(buffer, start); end !== -1; end = lineEnd(buffer, start)) {
      const event = this.#line(buffer.slice(start, end));
      if (event !== undefined) events.push(event);
      start = end + (buffer[end] === '\r' && buffer[end + 1] === '\n' ? 2 : 1);
    }
    this.#buffer = buffer.slice(start);
    return events;
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

/** Where the line starting at `from` ends (at CR, LF or CRLF), or -1 while it is incomplete. */
function lineEnd(buffer: string, from: number): number {
  for (let index = from; index < buffer.length; index++) {
    const code = buffer.charCodeAt(index);
    if (code === 10) return index;
    // A CR at the very end may be the first half of a CRLF: wait for more text.
    if (code === 13) return index === buffer.length - 1 ? -1 : index;
  }
  return -1;
}
