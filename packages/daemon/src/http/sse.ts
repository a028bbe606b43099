// Server-sent events on an HTTP response: the feed's sink. The first block carries the position
// the stream starts from (`id:`), so a client can resume exactly even before its first event.
import type { ServerResponse } from 'node:http';
import { publicEventData, type FeedSink } from '../app/event-feed.js';
import type { LoggedEvent } from '../app/ports.js';

export function sseSink(response: ServerResponse): FeedSink {
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  return {
    start(lastId: number) {
      response.write(`: tether events\nid: ${lastId}\n\n`);
    },
    write(event: LoggedEvent) {
      return response.write(`id: ${event.id}\nevent: ${event.kind}\ndata: ${publicEventData(event)}\n\n`);
    },
    onDrain(listener) {
      response.on('drain', listener);
    },
    onClose(listener) {
      response.on('close', listener);
    },
    // destroy, not end: a subscriber that stopped reading would never drain, and shutdown waits on it
    close() {
      response.destroy();
    },
    get closed() {
      return response.destroyed;
    },
  };
}
