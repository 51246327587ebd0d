import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors';
import { contactKey, contactOrNull, otherConversations, visitorIdentity } from './contact';
import type { ContactDetail } from './contract';

const contact = (overrides: Partial<ContactDetail['contact']> = {}): ContactDetail['contact'] => ({
  id: 'v1',
  bot_id: 'b1',
  email: null,
  name: null,
  company: null,
  lead_score: 0,
  lead_priority: 'cold',
  stage: null,
  conversations: 1,
  last_conversation_id: 'c1',
  last_seen_at: '2025-01-01T10:00:00Z',
  ...overrides,
});

describe('visitorIdentity', () => {
  it('takes the contact’s fields, else the conversation’s', () => {
    expect(visitorIdentity(contact({ name: 'Sam', company: ' Acme ' }), { visitor_email: 'sam@example.com' })).toEqual({
      name: 'Sam',
      email: 'sam@example.com',
      company: 'Acme',
    });
    expect(visitorIdentity(null, { visitor_name: '  ', visitor_email: 'x@example.com' })).toEqual({ name: null, email: 'x@example.com', company: null });
  });

  it('is null for an anonymous visitor', () => {
    expect(visitorIdentity(undefined, { visitor_name: null, visitor_email: ' ' })).toBeNull();
    expect(visitorIdentity(contact({ lead_score: 40 }), {})).toBeNull();
  });
});

describe('otherConversations', () => {
  it('leaves out the open one and keeps the order', () => {
    const detail = { contact: contact(), signals: [], conversations: [{ id: 'c3' }, { id: 'c1' }, { id: 'c2' }] } as unknown as ContactDetail;
    expect(otherConversations(detail, 'c1').map((c) => c.id)).toEqual(['c3', 'c2']);
  });
});

describe('contactOrNull', () => {
  it('reads a 404 as not a contact and passes other errors on', async () => {
    await expect(contactOrNull(() => Promise.reject(new ApiError({ status: 404, code: 'not_found', message: 'no' })))).resolves.toBeNull();
    const failure = new ApiError({ status: 500, code: 'internal', message: 'boom' });
    await expect(contactOrNull(() => Promise.reject(failure))).rejects.toBe(failure);
  });
});

describe('contactKey', () => {
  it('changes when the visitor gives a name or email or begins to score', () => {
    const base = { visitor_id: 'v1', visitor_name: null, visitor_email: null, lead_score: 0 };
    const key = contactKey(base);
    expect(contactKey({ ...base, visitor_email: 'a@example.com' })).not.toBe(key);
    expect(contactKey({ ...base, visitor_name: 'Sam' })).not.toBe(key);
    expect(contactKey({ ...base, lead_score: 10 })).not.toBe(key);
    expect(contactKey({ ...base, lead_score: 0 })).toBe(key);
  });
});
