import { describe, expect, it } from 'vitest';
import { bindGoJson } from './go-json.js';
import { sendV2Spec } from './send-handler.js';

describe('bindGoJson', () => {
  it('matches keys without regard to case and ignores unknown keys and nulls', () => {
    expect(bindGoJson('{"Number":"+1","MESSAGE":null,"extra":[1],"recipients":["a",null]}', sendV2Spec)).toEqual({
      ok: true,
      value: { number: '+1', recipients: ['a', ''] },
    });
  });

  it('binds nested structs and lists of structs', () => {
    const body = { link_preview: { url: 'https://x', title: 't' }, mentions: [{ start: 0, length: 1, author: '+1' }] };
    expect(bindGoJson(JSON.stringify(body), sendV2Spec)).toEqual({ ok: true, value: body });
  });

  it.each([
    ['', 'empty body'],
    ['{bad', 'invalid JSON'],
    ['[]', 'an array'],
    ['{"recipients":"+1"}', 'a string for a list'],
    ['{"quote_timestamp":1.5}', 'a fraction for an int'],
    ['{"view_once":"true"}', 'a string for a bool'],
    ['{"number":5}', 'a number for a string'],
  ])('fails on %s (%s)', (text) => {
    expect(bindGoJson(text, sendV2Spec).ok).toBe(false);
  });

  it('binds a JSON null body to the zero value', () => {
    expect(bindGoJson('null', sendV2Spec)).toEqual({ ok: true, value: {} });
  });
});
