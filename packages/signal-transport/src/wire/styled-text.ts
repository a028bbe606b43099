// `text_mode: "styled"` as signal-cli-rest-api applies it before it calls signal-cli: markdown-like
// markers become signal-cli `text-style` ranges and leave the text. Written from the REST server's
// documented behaviour (R:src/utils/textstyleparser.go, see docs/decisions.md), so that a styled
// message sent over JSON-RPC reaches signal-cli exactly as it would through the REST API.

export type TextStyleName = 'BOLD' | 'ITALIC' | 'SPOILER' | 'STRIKETHROUGH' | 'MONOSPACE';

export interface StyledText {
  /** The text without its markers: what recipients read. */
  readonly text: string;
  /** signal-cli's `start:length:STYLE` strings, in UTF-16 code units of `text`, in closing order. */
  readonly styles: readonly string[];
}

/** The markers, longest first; `***` is bold and italic at once. */
const MARKERS: readonly (readonly [string, readonly TextStyleName[]])[] = [
  ['***', ['BOLD', 'ITALIC']],
  ['**', ['BOLD']],
  ['*', ['ITALIC']],
  ['||', ['SPOILER']],
  ['~', ['STRIKETHROUGH']],
  ['`', ['MONOSPACE']],
];

/** Characters a backslash escapes; before anything else a backslash is just a backslash. */
const ESCAPABLE = new Set(['*', '|', '~', '`']);

/**
 * Strips the markers and returns the ranges they enclosed. Markers open and close on one stack:
 * a marker equal to the innermost open one closes it, any other opens a new one, so ranges nest
 * but never cross, and a marker left open at the end is dropped without a style. A backslash
 * before a marker character makes the marker (all of its characters) plain text.
 */
export function parseStyledText(input: string): StyledText {
  let text = '';
  const styles: string[] = [];
  const open: { readonly marker: string; readonly start: number }[] = [];
  let escaped = false;
  let index = 0;
  while (index < input.length) {
    const marker = MARKERS.find(([candidate]) => input.startsWith(candidate, index));
    if (marker !== undefined) {
      const [token, names] = marker;
      index += token.length;
      if (escaped) {
        text += token;
      } else if (open.at(-1)?.marker === token) {
        const { start } = open.pop()!;
        for (const name of names) styles.push(`${start}:${text.length - start}:${name}`);
      } else {
        open.push({ marker: token, start: text.length });
      }
      escaped = false;
      continue;
    }
    const character = input.charAt(index);
    index += 1;
    if (character === '\\' && ESCAPABLE.has(input.charAt(index))) {
      escaped = true;
      continue;
    }
    text += character;
    escaped = false;
  }
  return { text, styles };
}
