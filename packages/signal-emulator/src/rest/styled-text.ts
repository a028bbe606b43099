// text_mode "styled": the REST layer turns markdown-like markers into signal-cli text styles and
// strips them from the text (R:src/utils/textstyleparser.go, R:src/client/client.go:496-500). The
// emulator keeps the stripped text (what recipients read) and the style strings signal-cli gets.
// Markers open and close on one stack (nesting, no crossing; an unclosed marker vanishes without
// a style); a backslash makes the following marker plain text; positions count UTF-16 units.

type Token = 'italic' | 'bold' | 'bold-italic' | 'spoiler' | 'strikethrough' | 'monospace';

const STYLES: Readonly<Record<Token, readonly string[]>> = {
  italic: ['ITALIC'],
  bold: ['BOLD'],
  'bold-italic': ['BOLD', 'ITALIC'],
  spoiler: ['SPOILER'],
  strikethrough: ['STRIKETHROUGH'],
  monospace: ['MONOSPACE'],
};

export function parseStyledText(text: string): { message: string; textStyles: string[] } {
  let message = '';
  const textStyles: string[] = [];
  const stack: { token: Token; begin: number }[] = [];
  let previous = '';
  const toggle = (token: Token): void => {
    const top = stack[stack.length - 1];
    if (top === undefined || top.token !== token) {
      stack.push({ token, begin: message.length });
      return;
    }
    stack.pop();
    for (const style of STYLES[token]) textStyles.push(`${top.begin}:${message.length - top.begin}:${style}`);
  };
  for (let position = 0; position < text.length; position += 1) {
    const current = text.charAt(position);
    const next = text.charAt(position + 1);
    let marker: { token: Token; literal: string } | undefined;
    if (current === '*') {
      const stars = next !== '*' ? 1 : text.charAt(position + 2) === '*' ? 3 : 2;
      position += stars - 1;
      marker = { token: stars === 1 ? 'italic' : stars === 2 ? 'bold' : 'bold-italic', literal: '*'.repeat(stars) };
    } else if (current === '|' && next === '|') {
      position += 1;
      marker = { token: 'spoiler', literal: '||' };
    } else if (current === '~') {
      marker = { token: 'strikethrough', literal: '~' };
    } else if (current === '`') {
      marker = { token: 'monospace', literal: '`' };
    } else if (current === '\\' && (next === '*' || next === '`' || next === '|' || next === '~')) {
      previous = current;
      continue;
    }
    if (marker === undefined) message += current;
    else if (previous === '\\') message += marker.literal;
    else toggle(marker.token);
    previous = current;
  }
  return { message, textStyles };
}
