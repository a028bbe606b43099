import { describe, expect, it } from 'vitest';
import { parseStyledText } from './styled-text.js';

// Expected values follow signal-cli-rest-api's TextstyleParser (R:src/utils/textstyleparser.go at
// a08db23), worked through by hand from its documented rules.
describe('parseStyledText', () => {
  const cases: [string, string, string, string[]][] = [
    ['plain text', 'hello', 'hello', []],
    ['italic', '*hi*', 'hi', ['0:2:ITALIC']],
    ['bold', 'a **b** c', 'a b c', ['2:1:BOLD']],
    ['bold and italic at once', '***x***', 'x', ['0:1:BOLD', '0:1:ITALIC']],
    ['spoiler, strikethrough and monospace', '||s|| ~t~ `m`', 's t m', ['0:1:SPOILER', '2:1:STRIKETHROUGH', '4:1:MONOSPACE']],
    ['nested: inner first, in closing order', '**bold *both* bold**', 'bold both bold', ['5:4:ITALIC', '0:14:BOLD']],
    ['crossing markers never close: all stay open and are dropped', '*a**b*', 'ab', []],
    ['an unclosed marker is removed without a style', 'price *5', 'price 5', []],
    ['escaped markers are text', '\\*not\\* \\~x\\~ \\`y\\` \\||z\\||', '*not* ~x~ `y` ||z||', []],
    ['an escaped double star is text as a whole', '\\**x**', '**x', []],
    ['a backslash before anything else stays', 'C:\\dir \\n', 'C:\\dir \\n', []],
    ['a double backslash still escapes the marker', '\\\\*x*', '\\*x', []],
    ['a single pipe is text', 'a | b', 'a | b', []],
    ['an escaped single pipe loses its backslash', '\\|a', '|a', []],
    ['four stars are bold-italic then italic, all open', '****', '', []],
    ['an empty pair gives an empty range', '``', '', ['0:0:MONOSPACE']],
    ['positions count UTF-16 code units', '😀 *ü😀*', '😀 ü😀', ['3:3:ITALIC']],
  ];
  it.each(cases)('%s', (_name, input, text, styles) => {
    expect(parseStyledText(input)).toEqual({ text, styles });
  });
});
