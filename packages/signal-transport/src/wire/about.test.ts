import { describe, expect, it } from 'vitest';
import { classifyRestProbe, parseAbout } from './about.js';

const ACCOUNT = '+4915200000001';

describe('parseAbout', () => {
  it('accepts json-rpc mode, as text or parsed', () => {
    const body = '{"versions":["v1","v2"],"build":2,"mode":"json-rpc","version":"0.100","capabilities":{"v2/send":["quotes","mentions"]}}';
    expect(parseAbout(body)).toEqual({ ok: true, mode: 'json-rpc', version: '0.100' });
    expect(parseAbout({ mode: 'json-rpc' })).toEqual({ ok: true, mode: 'json-rpc', version: 'unknown' });
  });

  it.each([
    ['normal mode', '{"mode":"normal","version":"0.100"}', /0\.100 runs in mode "normal".*MODE=json-rpc/],
    ['native mode', '{"mode":"native","version":"0.99"}', /mode "native".*MODE=json-rpc/],
    ['no mode', '{"version":"0.100"}', /reports no mode.*MODE=json-rpc/],
    ['not JSON', '<html>nginx</html>', /did not answer a JSON object.*MODE=json-rpc/],
    ['a JSON array', '[]', /did not answer a JSON object/],
  ])('refuses %s with the fix', (_name, body, message) => {
    const result = parseAbout(body);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(message);
  });
});

describe('classifyRestProbe', () => {
  it.each([
    [200, `["+4915200000009","${ACCOUNT}"]`, true],
    [200, `[{"number":"${ACCOUNT}"}]`, true],
    [200, '["+4915200000009"]', false],
    [200, '[]', false],
    [200, `{"accounts":["${ACCOUNT}"]}`, false],
    [200, 'not json', false],
    [400, `{"error":"Couldn't get list of accounts"}`, false],
    [500, `["${ACCOUNT}"]`, false],
  ])('%i %s → %s', (status, body, ready) => {
    expect(classifyRestProbe(status, body, ACCOUNT)).toBe(ready);
  });
});
