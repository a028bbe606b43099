// What every command gets from the shell and gives back: commands compute data and return it
// (or stream it through `emit`); only the shell writes to stdout/stderr and picks the exit code.
import type { TetherClient } from '@tether/client';
import type { ExitCode } from './exit-error.js';
import type { Style } from './output/style.js';

/** One piece of output: how people read it and what `--json` prints (one JSON line). */
export interface Output {
  readonly human: string | readonly string[];
  readonly json: unknown;
  /** Replace the previous screen on a terminal (`status --watch`). */
  readonly redraw?: boolean;
}

export interface Result extends Output {
  /** 0 unless the operation failed (e.g. `send --wait` ended `failed`). */
  readonly code?: ExitCode;
}

export interface CommandContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly json: boolean;
  readonly style: Style;
  /** Aborted on Ctrl-C: follow-style commands end cleanly. */
  readonly signal: AbortSignal;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly now: () => number;
  /** The control-API client, created on first use from TETHER_SOCKET / TETHER_URL. */
  client(): TetherClient;
  /** Streams output now, for commands that follow events. */
  emit(output: Output): void;
  /** A note for people on stderr (progress, reconnects); never part of `--json` output. */
  notice(text: string): void;
}
