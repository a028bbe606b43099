// Checks the hand-written fixtures against the vendored signal-cli receive schemas, so they stay
// true to the wire. A few lines of checking suffice: the schemas use only type, properties,
// required, items, enum and $ref. The schemas cannot say which keys may be null (signal-cli
// writes null for absent values, CONTRACT §B), so null passes any type.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unwrapReceiveParams } from './incoming.js';

interface Schema {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly enum?: readonly unknown[];
  readonly $ref?: string;
}

const FIXTURES = new URL('./__fixtures__/', import.meta.url);
const definitions = (JSON.parse(readFileSync(new URL('signal-cli-receive-definitions.json', FIXTURES), 'utf8')) as { definitions: Record<string, Schema> })
  .definitions;

function matchesType(value: unknown, type: string | undefined): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    default:
      return type === undefined || typeof value === type;
  }
}

/** Problems found, as paths. `extraKeys` lists keys allowed beyond the schema at this level. */
function check(value: unknown, schema: Schema, path: string, extraKeys: readonly string[] = []): string[] {
  const resolved = schema.$ref === undefined ? schema : definitions[schema.$ref.replace('#/definitions/', '')];
  if (resolved === undefined) return [`${path}: unknown ${schema.$ref}`];
  if (value === null) return [];
  if (!matchesType(value, resolved.type)) return [`${path}: not ${resolved.type}`];
  if (resolved.enum !== undefined && !resolved.enum.includes(value)) return [`${path}: not one of ${resolved.enum.join('|')}`];
  if (Array.isArray(value)) return resolved.items === undefined ? [] : value.flatMap((item, index) => check(item, resolved.items as Schema, `${path}[${index}]`));
  if (typeof value !== 'object' || resolved.properties === undefined) return [];
  const record = value as Record<string, unknown>;
  const properties = resolved.properties;
  const missing = (resolved.required ?? []).filter((key) => !(key in record)).map((key) => `${path}.${key}: missing`);
  const unknown = Object.keys(record).filter((key) => !(key in properties) && !extraKeys.includes(key)).map((key) => `${path}.${key}: not in the schema`);
  const nested = Object.entries(record).flatMap(([key, item]) => {
    const property = properties[key];
    return property === undefined ? [] : check(item, property, `${path}.${key}`);
  });
  return [...missing, ...unknown, ...nested];
}

describe('fixtures against the signal-cli receive schemas', () => {
  const names = readdirSync(FIXTURES).filter((name) => name.endsWith('.json') && !name.startsWith('signal-cli'));

  it('has fixtures to check', () => {
    expect(names.length).toBeGreaterThan(15);
  });

  it.each(names)('%s', (name) => {
    const frame = unwrapReceiveParams(JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')));
    // `exception` is written by signal-cli but missing from data.Message (see the README there).
    expect(check(frame, { $ref: '#/definitions/data.Message' }, 'frame', ['exception'])).toEqual([]);
  });

  it('catches what it should', () => {
    const frame = { account: '+4915200000001', envelope: { timestamp: 'x', serverDeliveredTimestamp: 1, typo: 1 } };
    expect(check(frame, { $ref: '#/definitions/data.Message' }, 'frame')).toEqual([
      'frame.envelope.serverReceivedTimestamp: missing',
      'frame.envelope.typo: not in the schema',
      'frame.envelope.timestamp: not integer',
    ]);
  });
});
