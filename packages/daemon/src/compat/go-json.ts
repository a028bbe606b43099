// Request bodies read the way signal-cli-rest-api reads them (gin's BindJSON, i.e. Go's
// encoding/json into a struct): keys match regardless of case, null and unknown keys are ignored,
// and one value of the wrong type fails the whole body, which the real API calls "invalid request".
import { StreamedAttachment } from './attachments.js';

export type Shape = 'string' | 'bool' | 'int' | { readonly list: Shape } | { readonly fields: Fields };
export type Fields = Readonly<Record<string, Shape>>;

/** A bound struct: only declared fields, each of its declared type. */
export type Bound = { readonly [key: string]: unknown };

export function bindGoJson(text: string, fields: Fields): Bound | undefined {
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return bindParsed(parsed, fields);
}

/** A body already parsed (undefined: it was empty). An attachment read as it streamed in binds as the string it was. */
export function bindParsed(parsed: unknown, fields: Fields): Bound | undefined {
  if (parsed === undefined) return undefined;
  if (parsed === null) return {};
  const bound = bindValue(parsed, { fields });
  return bound.ok ? (bound.value as Bound) : undefined;
}

function bindValue(value: unknown, shape: Shape): { ok: true; value: unknown } | { ok: false } {
  if (shape === 'string') return typeof value === 'string' || value instanceof StreamedAttachment ? { ok: true, value } : { ok: false };
  if (shape === 'bool') return typeof value === 'boolean' ? { ok: true, value } : { ok: false };
  if (shape === 'int') return typeof value === 'number' && Number.isSafeInteger(value) ? { ok: true, value } : { ok: false };
  if ('list' in shape) {
    if (!Array.isArray(value)) return { ok: false };
    const items: unknown[] = [];
    for (const item of value) {
      // Go leaves the zero value for a null element.
      const bound = item === null ? { ok: true as const, value: zero(shape.list) } : bindValue(item, shape.list);
      if (!bound.ok) return bound;
      items.push(bound.value);
    }
    return { ok: true, value: items };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false };
  const byName = new Map(Object.entries(shape.fields).map(([name, field]) => [name.toLowerCase(), { name, field }]));
  const struct: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const field = byName.get(key.toLowerCase());
    if (field === undefined || item === null) continue;
    const bound = bindValue(item, field.field);
    if (!bound.ok) return bound;
    struct[field.name] = bound.value;
  }
  return { ok: true, value: struct };
}

function zero(shape: Shape): unknown {
  if (shape === 'string') return '';
  if (shape === 'bool') return false;
  if (shape === 'int') return 0;
  return 'list' in shape ? [] : {};
}

export function text(bound: Bound, key: string): string {
  const value = bound[key];
  return typeof value === 'string' ? value : '';
}

/** A list of strings that may hold attachments read as they streamed in. */
export function encodedList(bound: Bound, key: string): (string | StreamedAttachment)[] {
  const value = bound[key];
  return Array.isArray(value) ? value.filter((item): item is string | StreamedAttachment => typeof item === 'string' || item instanceof StreamedAttachment) : [];
}

/** A string that may hold an attachment read as it streamed in; undefined when absent or empty. */
export function encodedOne(bound: Bound, key: string): string | StreamedAttachment | undefined {
  const value = bound[key];
  if (value instanceof StreamedAttachment) return value.empty ? undefined : value;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function texts(bound: Bound, key: string): string[] {
  const value = bound[key];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

export function integer(bound: Bound, key: string): number | undefined {
  const value = bound[key];
  return typeof value === 'number' ? value : undefined;
}

export function flag(bound: Bound, key: string): boolean | undefined {
  const value = bound[key];
  return typeof value === 'boolean' ? value : undefined;
}

export function struct(bound: Bound, key: string): Bound | undefined {
  const value = bound[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Bound) : undefined;
}

export function list(bound: Bound, key: string): readonly unknown[] {
  const value = bound[key];
  return Array.isArray(value) ? value : [];
}
