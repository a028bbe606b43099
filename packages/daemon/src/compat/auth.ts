// The compat listener's optional token (TETHER_TOKEN_FILE): `Authorization: Bearer <token>`, or
// HTTP Basic with the token as the password, because clients such as Apprise can only send Basic.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function authorized(request: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = request.headers.authorization ?? '';
  const bearer = /^Bearer (.+)$/i.exec(header)?.[1];
  const basic = /^Basic (.+)$/i.exec(header)?.[1];
  let given = bearer ?? '';
  if (basic !== undefined) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    given = decoded.slice(decoded.indexOf(':') + 1);
  }
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const UNAUTHORIZED_BODY = JSON.stringify({ error: 'Unauthorized: send "Authorization: Bearer <token>" (or Basic with the token as password)' });
