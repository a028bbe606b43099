// Identifiers as signal-cli sees them: E.164 numbers, ACI UUIDs and usernames, plus a stable
// UUID per number so that envelopes and send results carry the same ACI every time.
import { createHash } from 'node:crypto';

const e164Pattern = /^\+[1-9]\d{6,14}$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const usernamePattern = /^[a-z_][a-z0-9_]{2,31}\.\d{2,9}$/i;

export function isE164(value: string): boolean {
  return e164Pattern.test(value);
}

export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

export function isUsername(value: string): boolean {
  return usernamePattern.test(value);
}

/** A deterministic version-4-shaped UUID derived from a seed (a number, username or group id). */
export function uuidFor(seed: string): string {
  const bytes = createHash('sha256').update(`tether-signal-emulator:${seed}`).digest();
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Masks a phone number for logs and messages: `+49…5678`. */
export function maskNumber(value: string): string {
  return isE164(value) ? `${value.slice(0, 3)}…${value.slice(-4)}` : value;
}

/** REST recipient form of a raw signal-cli group id: `group.` + base64(id). */
export function restGroupId(rawGroupId: string): string {
  return `group.${Buffer.from(rawGroupId, 'utf8').toString('base64')}`;
}

/** Decoded byte length of a signal-cli group id, or undefined when it is not strict base64. */
export function groupIdByteLength(rawGroupId: string): number | undefined {
  if (!isStrictBase64(rawGroupId)) return undefined;
  return Buffer.from(rawGroupId, 'base64').length;
}

/** Go's and Java's standard decoders: padded alphabet only, length a multiple of four. */
export function isStrictBase64(value: string): boolean {
  return value.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(value);
}
