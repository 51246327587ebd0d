import { describe, expect, it } from 'vitest';
import { receiptOf } from './receipt';

describe('receiptOf', () => {
  it('reads each vendor’s receipt', () => {
    expect(receiptOf({ channel: 'C1', ts: '1.2', reconciled: false })).toEqual({ text: 'Slack message 1.2 in C1' });
    expect(receiptOf({ channel: 'C1', ts: '1.2', reconciled: true })?.text).toContain('found from an earlier attempt');
    expect(receiptOf({ deal_id: '9', created: true, url: 'https://h/d/9' })).toEqual({ text: 'HubSpot deal 9, created', href: 'https://h/d/9' });
    expect(receiptOf({ contact_id: '7', created: false })?.text).toBe('HubSpot contact 7, updated');
    expect(receiptOf({ updatedRange: 'Sheet1!A2:C2' })?.text).toBe('Sheets rows Sheet1!A2:C2');
  });

  it('says nothing for other steps', () => {
    expect(receiptOf({ tag: 'vip', added: true })).toBeNull();
    expect(receiptOf(null)).toBeNull();
  });
});
