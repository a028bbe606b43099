// signal-cli's reading of a data URI attachment (S:lib/…/util/DataURI.java:15-68 at c26e063): its
// regular expressions, Java's URLDecoder for parameter values (`+` is a space, a bad `%` escape
// throws) and Java's strict Base64 decoder. Anything that does not parse is not a data URI, and
// signal-cli then reads the whole string as a file path (S:lib/…/util/Utils.java:62-70). Pure.

/** Java's `.` without DOTALL: anything but a line terminator. */
const any = '[^\\n\\r\\u0085\\u2028\\u2029]';
const dataUriPattern = new RegExp(`^data:(?<type>${any}+?/${any}+?)?(?<parameters>;${any}+?=${any}+?)?(?<base64>;base64)?,(?<data>${any}+)$`, 'i');
/** `\G;(?<key>.+)=(?<value>.+)`: greedy, so the key runs to the last `=` and there is one parameter. */
const parameterPattern = new RegExp(`^;(?<key>${any}+)=(?<value>${any}+)`, 'i');

export interface DataUri {
  /** `text/plain` when the URI names none (MimeUtils.PLAIN_TEXT). */
  mediaType: string;
  parameters: Record<string, string>;
  data: Buffer;
}

/** DataURI.of: the parsed URI, or undefined where signal-cli throws IllegalArgumentException. */
export function parseDataUri(value: string): DataUri | undefined {
  const match = dataUriPattern.exec(value);
  if (match?.groups === undefined) return undefined;
  const { type, parameters: rawParameters, base64, data = '' } = match.groups;
  const parameters: Record<string, string> = {};
  if (rawParameters !== undefined) {
    const parameter = parameterPattern.exec(rawParameters);
    if (parameter?.groups !== undefined) {
      const decoded = javaUrlDecode(parameter.groups['value'] ?? '');
      if (decoded === undefined) return undefined;
      parameters[parameter.groups['key'] ?? ''] = decoded;
    }
  }
  let bytes: Buffer | undefined;
  if (base64 !== undefined) bytes = javaBase64Decode(data);
  else {
    const text = javaUrlDecode(data);
    bytes = text === undefined ? undefined : Buffer.from(text, 'utf8');
  }
  if (bytes === undefined) return undefined;
  return { mediaType: type ?? 'text/plain', parameters, data: bytes };
}

/**
 * java.net.URLDecoder.decode(value, UTF_8): `+` becomes a space, runs of `%XX` become UTF-8
 * bytes, and an incomplete or non-hex escape throws (undefined here). Integer.parseInt reads the
 * two characters, so it also takes a sign: `%+1` is byte 1 and `%-1` throws.
 */
export function javaUrlDecode(value: string): string | undefined {
  let result = '';
  let index = 0;
  while (index < value.length) {
    const character = value.charAt(index);
    if (character === '+') {
      result += ' ';
      index += 1;
    } else if (character === '%') {
      const bytes: number[] = [];
      while (index + 2 < value.length && value.charAt(index) === '%') {
        const digits = value.slice(index + 1, index + 3);
        if (!/^[+-]?[0-9a-f]+$/i.test(digits)) return undefined;
        const byte = Number.parseInt(digits, 16);
        if (byte < 0) return undefined;
        bytes.push(byte);
        index += 3;
      }
      if (index < value.length && value.charAt(index) === '%') return undefined;
      result += Buffer.from(bytes).toString('utf8');
    } else {
      result += character;
      index += 1;
    }
  }
  return result;
}

/**
 * java.util.Base64.getDecoder(): the standard alphabet only (no whitespace), padding optional but
 * exact when present, nothing after it, and no lone last character.
 */
export function javaBase64Decode(value: string): Buffer | undefined {
  const padding = value.indexOf('=');
  const content = padding === -1 ? value : value.slice(0, padding);
  const pads = padding === -1 ? '' : value.slice(padding);
  if (!/^[A-Za-z0-9+/]*$/.test(content)) return undefined;
  const remainder = content.length % 4;
  if (remainder === 1) return undefined;
  if (pads !== '' && !((remainder === 2 && pads === '==') || (remainder === 3 && pads === '='))) return undefined;
  return Buffer.from(content, 'base64');
}
