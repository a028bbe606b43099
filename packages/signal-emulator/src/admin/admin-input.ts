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

export const senderFields = {
  from: 'string',
  fromUuid: 'string',
  fromName: 'string|null',
  sourceDevice: 'number',
  timestamp: 'number',
} as const;
