// gin's BindJSON as the REST server does it: Go's encoding/json into a struct. Keys match without
// regard to case, null leaves the zero value, unknown keys are ignored, and any type mismatch
// fails the whole body (the handler then answers "invalid request").

export type FieldKind = 'string' | 'bool' | 'int' | { array: FieldKind } | { object: StructSpec };
export type StructSpec = Readonly<Record<string, FieldKind>>;

export type Bound = { [key: string]: BoundValue };
export type BoundValue = string | boolean | number | Bound | BoundValue[];

export type BindResult = { ok: true; value: Bound } | { ok: false; reason: string };

export function bindGoJson(text: string, spec: StructSpec): BindResult {
  if (text.trim() === '') return { ok: false, reason: 'EOF' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  if (parsed === null) return { ok: true, value: {} };
  return bindStruct(parsed, spec, '');
}

function bindStruct(value: unknown, spec: StructSpec, path: string): BindResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: `cannot unmarshal ${goType(value)} into ${path || 'struct'}` };
  }
  const fields = new Map(Object.entries(spec).map(([key, kind]) => [key.toLowerCase(), { key, kind }]));
  const bound: Bound = {};
  for (const [rawKey, fieldValue] of Object.entries(value)) {
    const field = fields.get(rawKey.toLowerCase());
    if (field === undefined || fieldValue === null) continue;
    const result = bindField(fieldValue, field.kind, `${path}${field.key}`);
    if (!result.ok) return result;
    bound[field.key] = result.value;
  }
  return { ok: true, value: bound };
}

function bindField(value: unknown, kind: FieldKind, path: string): { ok: true; value: BoundValue } | { ok: false; reason: string } {
  const mismatch = { ok: false as const, reason: `cannot unmarshal ${goType(value)} into ${path}` };
  if (kind === 'string') return typeof value === 'string' ? { ok: true, value } : mismatch;
  if (kind === 'bool') return typeof value === 'boolean' ? { ok: true, value } : mismatch;
  if (kind === 'int') return typeof value === 'number' && Number.isSafeInteger(value) ? { ok: true, value } : mismatch;
  if ('object' in kind) return bindStruct(value, kind.object, `${path}.`);
  if (!Array.isArray(value)) return mismatch;
  const items: BoundValue[] = [];
  for (const item of value) {
    if (item === null) {
      items.push(zeroValue(kind.array));
      continue;
    }
    const result = bindField(item, kind.array, path);
    if (!result.ok) return result;
    items.push(result.value);
  }
  return { ok: true, value: items };
}

function zeroValue(kind: FieldKind): BoundValue {
  if (kind === 'string') return '';
  if (kind === 'bool') return false;
  if (kind === 'int') return 0;
  return 'array' in kind ? [] : {};
}

function goType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'object' : typeof value;
}

export function stringField(bound: Bound, key: string): string {
  const value = bound[key];
  return typeof value === 'string' ? value : '';
}

export function stringList(bound: Bound, key: string): string[] {
  const value = bound[key];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

export function optionalInt(bound: Bound, key: string): number | undefined {
  const value = bound[key];
  return typeof value === 'number' ? value : undefined;
}

export function optionalBool(bound: Bound, key: string): boolean | undefined {
  const value = bound[key];
  return typeof value === 'boolean' ? value : undefined;
}

export function structField(bound: Bound, key: string): Bound | undefined {
  const value = bound[key];
  return typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}
