// The groups the emulated account belongs to: configured ones plus any an injected message named.
// Sends to a group answer one result per member, as signal-cli does.
import { createHash } from 'node:crypto';
import { groupIdByteLength, isE164, uuidFor } from './identity.js';

export interface GroupDefinition {
  /** Raw signal-cli group id: base64 of 32 bytes (a v2 group). */
  id: string;
  /** @default '' */
  name?: string;
  /** Other members (E.164 or UUID). @default one stable member derived from the id */
  members?: readonly string[];
}

export interface GroupRecord {
  id: string;
  name: string;
  members: string[];
}

/** A deterministic v2 group id (base64 of 32 bytes) for tests and demos. */
export function makeGroupId(seed: string): string {
  return createHash('sha256').update(`tether-signal-emulator-group:${seed}`).digest('base64');
}

export function assertGroupId(id: string): void {
  const length = groupIdByteLength(id);
  if (length !== 16 && length !== 32) throw new TypeError('groupId must be base64 of a 16- or 32-byte signal-cli group id');
}

export class GroupRegistry {
  readonly #groups = new Map<string, GroupRecord>();

  constructor(definitions: readonly GroupDefinition[] = []) {
    for (const definition of definitions) this.add(definition);
  }

  add(definition: GroupDefinition): GroupRecord {
    assertGroupId(definition.id);
    const record: GroupRecord = {
      id: definition.id,
      name: definition.name ?? '',
      members: [...(definition.members ?? [uuidFor(`group-member:${definition.id}`)])],
    };
    this.#groups.set(definition.id, record);
    return record;
  }

  /** Learns a group from an incoming message, keeping what is already known. */
  learn(id: string, name: string | null | undefined, member: string | null): void {
    const known = this.#groups.get(id);
    if (known === undefined) {
      this.add({ id, ...(name ? { name } : {}), ...(member === null ? {} : { members: [member] }) });
      return;
    }
    if (member !== null && !known.members.includes(member)) known.members.push(member);
  }

  get(id: string): GroupRecord {
    return this.#groups.get(id) ?? { id, name: '', members: [uuidFor(`group-member:${id}`)] };
  }

  list(): GroupRecord[] {
    return [...this.#groups.values()];
  }
}

export function memberAddress(member: string): { uuid: string; number: string | null } {
  return isE164(member) ? { uuid: uuidFor(member), number: member } : { uuid: member, number: null };
}
