// The conversation pane's contact panel, without rendering: who the visitor is when
// known, and their conversations besides the open one.
import { ApiError } from '../../api/errors';
import type { ContactDetail, Summary } from './contract';

export interface Identity {
  name: string | null;
  email: string | null;
  company: string | null;
}

/**
 * What is known of the visitor: the contact's fields, else the conversation's (which live
 * events keep newest). Null when there is no name, email or company.
 */
export function visitorIdentity(
  contact: ContactDetail['contact'] | null | undefined,
  c: Partial<Pick<Summary, 'visitor_name' | 'visitor_email'>>,
): Identity | null {
  const name = contact?.name?.trim() || c.visitor_name?.trim() || null;
  const email = contact?.email?.trim() || c.visitor_email?.trim() || null;
  const company = contact?.company?.trim() || null;
  return name || email || company ? { name, email, company } : null;
}

/** The contact's conversations without the one that is open, in the server's order (newest first). */
export function otherConversations(detail: ContactDetail, openId: string): ContactDetail['conversations'] {
  return detail.conversations.filter((c) => c.id !== openId);
}

/** The contact, or null when the visitor is not one (404: no email, name or lead score yet). */
export async function contactOrNull(load: () => Promise<ContactDetail>): Promise<ContactDetail | null> {
  try {
    return await load();
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

/**
 * When to fetch the contact again: another visitor, or one who just gave their name or
 * email or began to score (any of which can make them a contact).
 */
export function contactKey(c: Pick<Summary, 'visitor_id' | 'lead_score'> & Partial<Pick<Summary, 'visitor_name' | 'visitor_email'>>): string {
  return ['inbox-contact', c.visitor_id, c.visitor_name ?? '', c.visitor_email ?? '', c.lead_score > 0 ? 'scored' : ''].join('|');
}
