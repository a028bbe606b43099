// The few calls the demo makes to the emulator's admin API (under /_emulator/ on its REST port):
// inject an incoming message, and read back what "Signal" accepted, to check the demo's claims.
import type { SentRecord } from '@tether/signal-emulator';

export async function injectMessage(emulatorUrl: string, message: { readonly from: string; readonly fromName: string; readonly text: string }): Promise<void> {
  const response = await fetch(`${emulatorUrl}/_emulator/inject`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
  if (!response.ok) throw new Error(`the emulator refused the injected message: HTTP ${response.status} ${await response.text()}`);
}

export async function sentRecords(emulatorUrl: string): Promise<SentRecord[]> {
  const response = await fetch(`${emulatorUrl}/_emulator/sent`);
  if (!response.ok) throw new Error(`the emulator's sent list answered HTTP ${response.status}`);
  return (await response.json()) as SentRecord[];
}

export interface Claim {
  readonly id: string;
  readonly text: string;
  readonly recipient: string;
  readonly signalTimestamp: number | undefined;
}

/** Each claimed message must be in the record exactly once, with its text, recipient and timestamp. */
export function checkClaims(claims: readonly Claim[], records: readonly SentRecord[]): { readonly missing: Claim[]; readonly duplicated: Claim[] } {
  const missing: Claim[] = [];
  const duplicated: Claim[] = [];
  for (const claim of claims) {
    const matches = records.filter((record) => record.message === claim.text && record.recipients.includes(claim.recipient));
    if (!matches.some((record) => record.timestamp === claim.signalTimestamp)) missing.push(claim);
    else if (matches.length > 1) duplicated.push(claim);
  }
  return { missing, duplicated };
}
