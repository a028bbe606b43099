// The server-sent-events wire format, as the HTML standard's EventSource reads it: lines end in
// LF, CR or CRLF; a blank line dispatches; `data` lines join with LF; a leading space after the
// colon is dropped; comments (`:`) and unknown fields are ignored; `id` persists across events and
// a block with an id but no data moves it without dispatching. Pure, so it is tested on its own.

export interface SseEvent<T = unknown> {
  /** The stream's last event id when this event was dispatched ('' when none was ever sent). */
  readonly id: string;
  /** @default 'message' */
  readonly event: string;
  /** The data parsed as JSON, or the text itself when it is not JSON. */
  readonly data: T;
  /** The data as sent. */
  readonly text: string;
}

export class SseParser<T = unknown> {
  /** The last event id the stream set (also by a block without data). */
  lastEventId = '';
  #pending = '';
  #data: string[] = [];
  #event = '';
  /** The previous chunk ended in CR: an LF that starts the next one belongs to it. */
  #afterCr = false;

  /** Feeds decoded text; returns the events it completed. */
  push(text: string): SseEvent<T>[] {
    let input = text;
    if (this.#afterCr && input.startsWith('\n')) input = input.slice(1);
    this.#afterCr = input.endsWith('\r');
    const lines = (this.#pending + input).split(/\r\n|\r|\n/);
    this.#pending = lines.pop() ?? '';
    const events: SseEvent<T>[] = [];
    for (const line of lines) {
      const event = this.#line(line);
      if (event) events.push(event);
    }
    return events;
  }

  #line(line: string): SseEvent<T> | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    return undefined;
  }

  #dispatch(): SseEvent<T> | undefined {
    const data = this.#data;
    const event = this.#event || 'message';
    this.#data = [];
    this.#event = '';
    if (data.length === 0) return undefined;
    const text = data.join('\n');
    return { id: this.lastEventId, event, data: parseData(text) as T, text };
  }
}

function parseData(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
