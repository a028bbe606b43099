// Group listings in both wire shapes: signal-cli's listGroups JSON (ListGroupsCommand) and the
// REST GroupEntry derived from it (R:src/client/client.go GetGroupsExpanded, edit_group bug included).
import type { GroupRecord } from './groups.js';
import { memberAddress } from './groups.js';
import { restGroupId } from './identity.js';

export interface SignalCliGroup {
  id: string;
  name: string;
  description: string;
  isMember: boolean;
  isBlocked: boolean;
  messageExpirationTime: number;
  members: { number: string | null; uuid: string; isAdmin: boolean }[];
  pendingMembers: { number: string | null; uuid: string }[];
  requestingMembers: { number: string | null; uuid: string }[];
  admins: { number: string | null; uuid: string }[];
  banned: { number: string | null; uuid: string }[];
  permissionAddMember: string;
  permissionEditDetails: string;
  permissionSendMessage: string;
  groupInviteLink: string | null;
}

export function signalCliGroup(group: GroupRecord, account: string): SignalCliGroup {
  const self = { ...memberAddress(account), isAdmin: true };
  const others = group.members.filter((member) => member !== account).map((member) => ({ ...memberAddress(member), isAdmin: false }));
  return {
    id: group.id,
    name: group.name,
    description: '',
    isMember: true,
    isBlocked: false,
    messageExpirationTime: 0,
    members: [self, ...others],
    pendingMembers: [],
    requestingMembers: [],
    admins: [memberAddress(account)],
    banned: [],
    permissionAddMember: 'EVERY_MEMBER',
    permissionEditDetails: 'EVERY_MEMBER',
    permissionSendMessage: 'EVERY_MEMBER',
    groupInviteLink: null,
  };
}

export function restGroupEntry(group: SignalCliGroup, expand: boolean): Record<string, unknown> {
  const identifier = (member: { number: string | null; uuid: string }) =>
    expand ? { number: member.number ?? '', uuid: member.uuid } : (member.number ?? member.uuid);
  return {
    name: group.name,
    description: group.description,
    id: restGroupId(group.id),
    internal_id: group.id,
    members: group.members.map(identifier),
    blocked: group.isBlocked,
    member: group.isMember,
    pending_invites: group.pendingMembers.map(identifier),
    pending_requests: group.requestingMembers.map(identifier),
    invite_link: group.groupInviteLink ?? '',
    admins: group.admins.map(identifier),
    permissions: {
      add_members: restPermission(group.permissionAddMember),
      // signal-cli-rest-api fills edit_group from the send-message permission (R:src/client/client.go:1359).
      edit_group: restPermission(group.permissionSendMessage),
      send_messages: restPermission(group.permissionSendMessage),
    },
  };
}

function restPermission(permission: string): string {
  if (permission === 'EVERY_MEMBER') return 'every-member';
  if (permission === 'ONLY_ADMINS') return 'only-admins';
  return '';
}
