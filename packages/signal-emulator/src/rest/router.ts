// A tiny path router with gin's matching: literal segments and one-segment `:name` parameters,
// no method-not-allowed (gin answers 404 for a known path with another method).

export interface Route<Handler> {
  method: string;
  path: string;
  handler: Handler;
}

export interface RouteMatch<Handler> {
  handler: Handler;
  /** Raw (still percent-encoded) segment values. */
  params: Record<string, string>;
}

export class Router<Handler> {
  readonly #routes: { method: string; segments: string[]; handler: Handler }[] = [];

  add(method: string, path: string, handler: Handler): this {
    this.#routes.push({ method, segments: split(path), handler });
    return this;
  }

  match(method: string, pathname: string): RouteMatch<Handler> | undefined {
    const segments = split(pathname);
    for (const route of this.#routes) {
      if (route.method !== method || route.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const matches = route.segments.every((segment, index) => {
        const actual = segments[index] ?? '';
        if (segment.startsWith(':')) {
          params[segment.slice(1)] = actual;
          return actual !== '';
        }
        return segment === actual;
      });
      if (matches) return { handler: route.handler, params };
    }
    return undefined;
  }
}

function split(path: string): string[] {
  return path.split('/').slice(1);
}

/** Go decodes the path once while parsing the URL and the handler unescapes it again. */
export function pathParameter(raw: string): string | undefined {
  try {
    return decodeURIComponent(decodeURIComponent(raw));
  } catch {
    return undefined;
  }
}
