// signal-cli's JsonRpcNamespace: option names are dashed, camelCase works too, list options take
// a single value or an array and fall back to the plural key. A value of the wrong JSON type
// fails like Java's cast would (-32603 … (ClassCastException)).

export class ParamTypeError extends Error {
  constructor(key: string, value: unknown, expected: string) {
    super(`class ${javaClass(value)} cannot be cast to class java.lang.${expected} (${key}) (ClassCastException)`);
    this.name = 'ParamTypeError';
  }
}

export class Params {
  constructor(private readonly raw: Readonly<Record<string, unknown>>) {}

  value(key: string): unknown {
    return this.raw[key] ?? this.raw[camelCase(key)] ?? undefined;
  }

  string(key: string): string | undefined {
    return this.#typed(key, 'string', 'String') as string | undefined;
  }

  boolean(key: string): boolean | undefined {
    return this.#typed(key, 'boolean', 'Boolean') as boolean | undefined;
  }

  number(key: string): number | undefined {
    return this.#typed(key, 'number', 'Long') as number | undefined;
  }

  list(key: string): string[] | undefined {
    return this.#list(key, 'string', 'String') as string[] | undefined;
  }

  numberList(key: string): number[] | undefined {
    return this.#list(key, 'number', 'Long') as number[] | undefined;
  }

  #typed(key: string, type: 'string' | 'boolean' | 'number', javaType: string): unknown {
    const value = this.value(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== type) throw new ParamTypeError(key, value, javaType);
    return value;
  }

  #list(key: string, type: 'string' | 'number', javaType: string): unknown[] | undefined {
    const value = this.value(key) ?? this.value(`${key}s`);
    if (value === undefined || value === null) return undefined;
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) if (typeof item !== type) throw new ParamTypeError(key, item, javaType);
    return items;
  }
}

export function camelCase(dashed: string): string {
  return dashed.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

function javaClass(value: unknown): string {
  if (typeof value === 'string') return 'java.lang.String';
  if (typeof value === 'boolean') return 'java.lang.Boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'java.lang.Integer' : 'java.lang.Double';
  return Array.isArray(value) ? 'java.util.ArrayList' : 'java.util.LinkedHashMap';
}
