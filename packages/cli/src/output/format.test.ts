import { describe, expect, it } from 'vitest';
import { fields, formatBytes, formatDuration, formatRelative, table } from './format.js';
import { colourWanted, createStyle } from './style.js';

describe('format', () => {
  it('formats durations in the largest sensible unit', () => {
    expect([850, 4_200, 42_000, 180_000, 7_500_000, 3 * 86_400_000].map(formatDuration)).toEqual(['850 ms', '4.2 s', '42 s', '3 min', '2 h 5 min', '3 d']);
    expect(formatRelative(1_000, 4_000)).toBe('3.0 s ago');
    expect(formatRelative(5_000, 4_000)).toBe('in 1.0 s');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MiB');
  });

  it('aligns fields, including multi-line values, and ignores colour codes when measuring', () => {
    const bold = createStyle(true).bold;
    expect(fields([['a', '1'], undefined, [bold('long'), 'x\ny']])).toEqual(['a     1', `${bold('long')}  x`, '      y']);
    expect(table([['ID', 'STATE'], ['abc', bold('sent')]])).toEqual(['ID   STATE', `abc  ${bold('sent')}`]);
  });

  it('colours only a TTY, never with NO_COLOR or TERM=dumb', () => {
    expect(colourWanted({ isTTY: true }, {})).toBe(true);
    expect(colourWanted({ isTTY: false }, {})).toBe(false);
    expect(colourWanted({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourWanted({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });
});
