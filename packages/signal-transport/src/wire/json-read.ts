// Small readers for JSON of unknown shape. The wire layer never trusts a peer's JSON: every field
// is read through these, so a wrong type becomes `null` (or a skipped entry), never a throw.

export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The field as an object, or null when absent, null or not an object. */
export function objectField(source: JsonObject, key: string): JsonObject | null {
  const value = source[key];
  return isObject(value) ? value : null;
}

export function stringField(source: JsonObject, key: string): string | null {
  const value = source[key];
  return typeof value === 'string' ? value : null;
}

/** A whole number that a double holds exactly (Signal timestamps are int64 milliseconds). */
export function integerField(source: JsonObject, key: string): number | null {
  const value = source[key];
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}

export function booleanField(source: JsonObject, key: string): boolean | null {
  const value = source[key];
  return typeof value === 'boolean' ? value : null;
}

/** The field as an array, or an empty one when absent or not an array (signal-cli omits empty lists). */
export function arrayField(source: JsonObject, key: string): readonly unknown[] {
  const value = source[key];
  return Array.isArray(value) ? value : [];
}

/** The first of the values that is a non-empty string (Go's REST API writes "" for absent ids). */
export function firstText(...values: readonly (string | null)[]): string | null {
  return values.find((value): value is string => value !== null && value !== '') ?? null;
}

/** Parses JSON text; undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
