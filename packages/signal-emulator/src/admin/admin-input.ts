// Checks on admin request bodies, so a typo in a test's JSON fails loudly with a 400 instead of
// producing an envelope signal-cli would never emit.

export class AdminInputError extends Error {
  override name = 'AdminInputError';
}

type Kind = 'string' | 'number' | 'boolean' | 'string|null' | 'object' | 'array';

export function objectBody(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new AdminInputError('body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Verifies the listed fields when present; unknown fields are rejected. */
export function checkFields(body: Record<string, unknown>, fields: Readonly<Record<string, Kind>>, required: readonly string[] = []): void {
  for (const name of required) if (body[name] === undefined) throw new AdminInputError(`${name} is required`);
  for (const [name, value] of Object.entries(body)) {
    const kind = fields[name];
    if (kind === undefined) throw new AdminInputError(`unknown field ${name}`);
    if (value === undefined || matches(value, kind)) continue;
    throw new AdminInputError(`${name} must be ${kind}`);
  }
}

export function countField(body: Record<string, unknown>): number {
  const count = body['count'] ?? 1;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw new AdminInputError('count must be a non-negative integer');
  return count;
}

function matches(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'string|null':
      return value === null || typeof value === 'string';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    default:
      return typeof value === kind;
  }
}

export function msField(body: Record<string, unknown>): number {
  const ms = body['ms'];
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new AdminInputError('ms must be a non-negative number');
  return ms;
}

export const senderFields = {
  from: 'string',
  fromUuid: 'string',
  fromName: 'string|null',
  sourceDevice: 'number',
  timestamp: 'number',
  account: 'string',
} as const;

const targetFields = { targetAuthor: 'string', targetTimestamp: 'number' } as const;

/** The fields of each part's injection (parts.ts) and which are required. */
const partSpecs: Readonly<Record<string, { fields: Readonly<Record<string, Kind>>; required: readonly string[] }>> = {
  'remote-delete': { fields: { targetTimestamp: 'number' }, required: ['targetTimestamp'] },
  'admin-delete': { fields: targetFields, required: Object.keys(targetFields) },
  pin: { fields: { ...targetFields, durationSeconds: 'number' }, required: Object.keys(targetFields) },
  unpin: { fields: targetFields, required: Object.keys(targetFields) },
  'poll-create': { fields: { question: 'string', options: 'array', allowMultiple: 'boolean' }, required: ['question', 'options'] },
  'poll-vote': { fields: { ...targetFields, optionIndexes: 'array', voteCount: 'number' }, required: [...Object.keys(targetFields), 'optionIndexes'] },
  'poll-terminate': { fields: { targetTimestamp: 'number' }, required: ['targetTimestamp'] },
  payment: { fields: { note: 'string|null', receipt: 'string' }, required: [] },
  contacts: { fields: { contacts: 'array' }, required: ['contacts'] },
};

/** Checks an injected part's body against its part's fields; an unknown part is refused. */
export function checkPart(body: Record<string, unknown>): void {
  const part = body['part'];
  const spec = typeof part === 'string' && Object.hasOwn(partSpecs, part) ? partSpecs[part] : undefined;
  if (spec === undefined) throw new AdminInputError(`part must be one of ${Object.keys(partSpecs).join(', ')}`);
  checkFields(body, { ...senderFields, part: 'string', groupId: 'string', groupName: 'string|null', ...spec.fields }, spec.required);
}
