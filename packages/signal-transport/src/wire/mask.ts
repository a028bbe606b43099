// Phone-number masking for logs and stored error texts (DECISIONS §6): `+4915112344567` becomes
// `+49…4567`. signal-cli's error texts name recipients in full, so free text is masked too.

const E164_SHAPE = /^\+[0-9]{7,}$/;
// A `+` (or its URL-encoded `%2B`, as in REST paths) then 7 or more digits, single spaces or
// hyphens allowed between them. Over-masking something that only looks like a number is harmless.
const NUMBER_IN_TEXT = /(?:\+|%2B)[0-9](?:[ -]?[0-9]){6,}/gi;

/**
 * Masks one phone number: the `+`, two leading digits, an ellipsis and the last four digits (two
 * for numbers under ten digits, which four would almost spell out). Text that is not a number
 * is masked as free text, so nothing passed here can leak a number.
 */
export function maskPhoneNumber(number: string): string {
  if (!E164_SHAPE.test(number)) return maskPhoneNumbers(number);
  const digits = number.slice(1);
  const tail = digits.length >= 10 ? 4 : 2;
  return `+${digits.slice(0, 2)}…${digits.slice(-tail)}`;
}

/** Masks every phone number inside free text, e.g. "The user +4915112344567 is not registered." */
export function maskPhoneNumbers(text: string): string {
  return text.replace(NUMBER_IN_TEXT, (match) => maskPhoneNumber(`+${match.replace(/^(?:\+|%2B)|[ -]/gi, '')}`));
}
