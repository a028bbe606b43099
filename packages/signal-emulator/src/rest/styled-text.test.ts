import { describe, expect, it } from 'vitest';
import { parseStyledText } from './styled-text.js';

describe('parseStyledText', () => {
  it('strips markers and reports the styles in UTF-16 units', () => {
    expect(parseStyledText('a **bold** and *it* ~x~ ||s|| `m`')).toEqual({
      message: 'a bold and it x s m',
      textStyles: ['2:4:BOLD', '11:2:ITALIC', '14:1:STRIKETHROUGH', '16:1:SPOILER', '18:1:MONOSPACE'],
    });
  });

  it('keeps unmatched markers and escaped characters', () => {
    expect(parseStyledText('5 * 3 = 15')).toEqual({ message: '5 * 3 = 15', textStyles: [] });
    expect(parseStyledText('\\\\*not italic\\\\*')).toEqual({ message: '*not italic*', textStyles: [] });
  });
});
