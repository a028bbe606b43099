// The URL of a request, from the target its client wrote. Some targets do not parse as a URL
// relative to our own (`//`, `//host:99999`); a handler must never throw on them, or the throw
// escapes the request and ends the process: they read as no URL, which no route has.

export function requestUrl(target: string | undefined, base: string): URL | undefined {
  try {
    return new URL(target ?? '/', base);
  } catch {
    return undefined;
  }
}
