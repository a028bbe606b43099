// Group ids exist in two spellings: signal-cli's raw id (base64 of the group's bytes, as incoming
// envelopes carry it) and the REST API's `group.` + base64(raw id). These convert between them.

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const PREFIX = 'group.';

/** Standard, padded base64 in its one canonical spelling (so equal ids compare equal). */
export function isCanonicalBase64(text: string): boolean {
  if (text.length === 0 || !BASE64.test(text)) return false;
  return Buffer.from(text, 'base64').toString('base64') === text;
}

/** The REST API's id for the group whose signal-cli id is `rawId` — what a reply is sent to. */
export function groupIdForReply(rawId: string): string {
  return PREFIX + Buffer.from(rawId, 'utf8').toString('base64');
}

/**
 * signal-cli's raw id inside a REST `group.…` id, or null when the text is not one. The raw id
 * must itself be base64: that catches a raw id pasted after `group.` by mistake.
 */
export function rawGroupId(restGroupId: string): string | null {
  if (!restGroupId.startsWith(PREFIX)) return null;
  const encoded = restGroupId.slice(PREFIX.length);
  if (!isCanonicalBase64(encoded)) return null;
  const raw = Buffer.from(encoded, 'base64').toString('utf8');
  return isCanonicalBase64(raw) ? raw : null;
}
