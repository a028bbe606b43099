// text_mode "styled": the REST layer turns markdown-like markers into signal-cli text styles
// and strips them from the text. The emulator keeps the stripped text (what recipients read) and
// the style strings signal-cli would receive; nesting and escapes are simplified.

const markers: readonly [string, string][] = [
  ['**', 'BOLD'],
  ['||', 'SPOILER'],
  ['*', 'ITALIC'],
  ['~', 'STRIKETHROUGH'],
  ['`', 'MONOSPACE'],
];

export function parseStyledText(text: string): { message: string; textStyles: string[] } {
  let message = '';
  const textStyles: string[] = [];
  let index = 0;
  outer: while (index < text.length) {
    if (text.startsWith('\\\\', index)) {
      message += text.charAt(index + 2);
      index += 3;
      continue;
    }
    for (const [marker, style] of markers) {
      if (!text.startsWith(marker, index)) continue;
      const end = text.indexOf(marker, index + marker.length);
      if (end <= index + marker.length) continue;
      const inner = text.slice(index + marker.length, end);
      textStyles.push(`${message.length}:${inner.length}:${style}`);
      message += inner;
      index = end + marker.length;
      continue outer;
    }
    message += text.charAt(index);
    index += 1;
  }
  return { message, textStyles };
}
