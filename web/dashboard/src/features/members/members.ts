// What the Members, accept-invite and reset-password pages decide without the server:
// which roles a person may hand out, whose row they may change, how rows sort, what a
// password pair lacks. The endpoints are called with `api.send` and these shapes.
import type { Role } from '../../api/types';

export interface Member {
  user_id: string;
  email: string;
  name: string;
  role: Role;
  status: 'active' | 'deactivated';
  joined_at: string;
  last_active_at: string | null;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  created_at: string;
  expires_at: string;
}

export interface InvitationList {
  items: Invitation[];
  email_enabled: boolean;
}

export interface InvitationCreated {
  invitation: Invitation;
  emailed: boolean;
  link: string | null;
}

export interface InvitationPreview {
  email: string;
  role: Role;
  workspace_name: string;
  existing_user: boolean;
}

/** Shortest password the server accepts (parley-domain's MIN_PASSWORD_CHARS). */
export const MIN_PASSWORD_CHARS = 10;

export const ROLE_LABELS: Record<Role, string> = {
  owner: 'Owner',
  admin: 'Admin',
  agent: 'Agent',
};

/** Roles `actor` may give: owners any (only an owner makes owners), admins admin and agent. */
export function assignableRoles(actor: Role): Role[] {
  if (actor === 'owner') return ['owner', 'admin', 'agent'];
  if (actor === 'admin') return ['admin', 'agent'];
  return [];
}

/** Whether `actor` (with id `actorId`) may change `member`: not themselves, and admins not owners. */
export function canChange(actor: Role, actorId: string, member: Pick<Member, 'user_id' | 'role'>): boolean {
  return member.user_id !== actorId && assignableRoles(actor).includes(member.role);
}

/** Active members first, then by name (or email when nameless). */
export function sortMembers(members: readonly Member[]): Member[] {
  return [...members].sort((a, b) => {
    const byStatus = Number(a.status === 'deactivated') - Number(b.status === 'deactivated');
    if (byStatus !== 0) return byStatus;
    return (a.name || a.email).localeCompare(b.name || b.email);
  });
}

/** What is wrong with a new password and its confirmation, per field. */
export function passwordProblems(password: string, confirm: string): { password?: string; confirm?: string } {
  const problems: { password?: string; confirm?: string } = {};
  if ([...password].length < MIN_PASSWORD_CHARS) problems.password = `Use at least ${MIN_PASSWORD_CHARS} characters`;
  else if ([...password].length > 256) problems.password = 'Use at most 256 characters';
  if (!problems.password && password !== confirm) problems.confirm = 'The passwords do not match';
  return problems;
}

/** The `token` of a link's query string, trimmed; empty when missing. */
export function tokenFrom(search: URLSearchParams): string {
  return (search.get('token') ?? '').trim();
}

/** A plausible email (the server decides for good). */
export function looksLikeEmail(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim());
}
