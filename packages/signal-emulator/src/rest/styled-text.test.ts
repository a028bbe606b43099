import { describe, expect, it } from 'vitest';
import { parseStyledText } from './styled-text.js';

// Expectations follow R:src/utils/textstyleparser.go (signal-cli-rest-api a08db23) and its tests.
describe('parseStyledText', () => {
  it('strips markers and reports the styles in UTF-16 units', () => {
    expect(parseStyledText('a **bold** and *it* ~x~ ||s|| `m`')).toEqual({
      message: 'a bold and it x s m',
      textStyles: ['2:4:BOLD', '11:2:ITALIC', '14:1:STRIKETHROUGH', '16:1:SPOILER', '18:1:MONOSPACE'],
    });
    expect(parseStyledText('😀 *ü😀*')).toEqual({ message: '😀 ü😀', textStyles: ['3:3:ITALIC'] });
  });

  it('nests on one stack: the inner range closes first, crossing markers never close', () => {
    expect(parseStyledText('**bold *both* bold**')).toEqual({ message: 'bold both bold', textStyles: ['5:4:ITALIC', '0:14:BOLD'] });
    expect(parseStyledText('***x***')).toEqual({ message: 'x', textStyles: ['0:1:BOLD', '0:1:ITALIC'] });
    expect(parseStyledText('*a**b*')).toEqual({ message: 'ab', textStyles: [] });
  });

  it('removes an unclosed marker without a style, and keeps escaped markers as text', () => {
    expect(parseStyledText('5 * 3 = 15')).toEqual({ message: '5  3 = 15', textStyles: [] });
    expect(parseStyledText('\\*not italic\\* \\||x\\|| \\|y')).toEqual({ message: '*not italic* ||x|| |y', textStyles: [] });
    expect(parseStyledText('\\\\*x*')).toEqual({ message: '\\*x', textStyles: [] });
    expect(parseStyledText('C:\\dir')).toEqual({ message: 'C:\\dir', textStyles: [] });
  });
});
