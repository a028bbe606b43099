// One router for tetherd's HTTP listeners: a table of method + path patterns (`:name` matches one
// segment), answering which handler applies, or that the path exists under other methods (405
// with an Allow list, from the same table), or nothing (404). Parameters come back undecoded:
// each API decodes as its clients expect.
export interface Route<H> {
  readonly method: string;
  readonly path: string;
  readonly handler: H;
}

export type RouteMatch<H> =
  | { readonly kind: 'found'; readonly handler: H; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

interface Compiled<H> {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: H;
}

export class Router<H> {
  readonly #routes: readonly Compiled<H>[];

  constructor(routes: readonly Route<H>[]) {
    this.#routes = routes.map((route) => ({ method: route.method, segments: route.path.split('/'), handler: route.handler }));
  }

  match(method: string, pathname: string): RouteMatch<H> {
    const segments = pathname.split('/');
    const allow: string[] = [];
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, segments);
      if (params === undefined) continue;
      if (route.method === method) return { kind: 'found', handler: route.handler, params };
      if (!allow.includes(route.method)) allow.push(route.method);
    }
    return allow.length > 0 ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' };
  }
}

function matchSegments(pattern: readonly string[], actual: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < pattern.length; index++) {
    const part = pattern[index]!;
    const value = actual[index]!;
    if (part.startsWith(':')) {
      if (value === '') return undefined;
      params[part.slice(1)] = value;
    } else if (part !== value) {
      return undefined;
    }
  }
  return params;
}
