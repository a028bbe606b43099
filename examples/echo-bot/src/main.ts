#!/usr/bin/env node
// `tether-echo-bot [CURSOR_FILE]`: runs the echo bot against the local tetherd (found as `tether`
// finds it: TETHER_SOCKET, or TETHER_URL + TETHER_TOKEN) until Ctrl-C. With a cursor file it
// resumes after the last message it answered. It logs event and message ids, never texts or numbers.
import { readFileSync, writeFileSync } from 'node:fs';
import { AbortedError, createClient } from '@tether/client';
import { runEchoBot } from './echo-bot.js';

const cursorFile = process.argv[2];
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

function savedCursor(): string | undefined {
  if (cursorFile === undefined) return undefined;
  try {
    return readFileSync(cursorFile, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

await using client = createClient();
const since = savedCursor();
try {
  await runEchoBot(client, {
    since,
    signal: stop.signal,
    onListening: () => console.log(`echo bot: listening on ${client.where}${cursorFile === undefined ? '' : `, resuming after ${since ?? 'nothing yet'}`} (Ctrl-C to stop)`),
    onReplied: (eventId, reply) => {
      if (cursorFile !== undefined) writeFileSync(cursorFile, eventId);
      console.log(`echo bot: answered event ${eventId} with message ${reply.id}`);
    },
  });
} catch (error) {
  if (!(stop.signal.aborted && AbortedError.isInstance(error))) throw error;
}
