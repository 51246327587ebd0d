import { describe, expect, it } from 'vitest';
import { insertCanned, matchCanned, moveActive, slashQuery } from './canned';
import type { CannedReply } from './contract';

const reply = (shortcut: string, body: string): CannedReply => ({ id: shortcut, shortcut, body, created_at: '2025-01-01T00:00:00Z' });
const REPLIES = [
  reply('thanks', 'Thanks for reaching out, {{visitor.name}}!'),
  reply('refund', 'I have started your refund. — {{agent.name}}'),
  reply('return-label', 'Here is your return label, sent to {{visitor.email}}.'),
  reply('hours', 'We answer 9-17 on weekdays; refunds take 5 days.'),
];

describe('the slash query', () => {
  it('opens on "/" at the start and follows the shortcut typed', () => {
    expect(slashQuery('/')).toBe('');
    expect(slashQuery('/ref')).toBe('ref');
    expect(slashQuery('/return-label')).toBe('return-label');
  });

  it('closes once the agent writes past the shortcut, or when "/" is not at the start', () => {
    expect(slashQuery('/ref ')).toBeNull();
    expect(slashQuery('/ref\n')).toBeNull();
    expect(slashQuery('hello /ref')).toBeNull();
    expect(slashQuery(' /ref')).toBeNull();
    expect(slashQuery('//')).toBeNull();
    expect(slashQuery('')).toBeNull();
  });
});

describe('matching', () => {
  it('lists all by shortcut for an empty query', () => {
    expect(matchCanned(REPLIES, '').map((r) => r.shortcut)).toEqual(['hours', 'refund', 'return-label', 'thanks']);
  });

  it('ranks shortcut prefixes, then shortcut words, then bodies, ignoring case', () => {
    expect(matchCanned(REPLIES, 'RE').map((r) => r.shortcut)).toEqual(['refund', 'return-label', 'hours', 'thanks']);
    expect(matchCanned(REPLIES, 'label').map((r) => r.shortcut)).toEqual(['return-label']);
    expect(matchCanned(REPLIES, 'refund').map((r) => r.shortcut)).toEqual(['refund', 'hours']);
    expect(matchCanned(REPLIES, 'zzz')).toEqual([]);
  });
});

describe('inserting', () => {
  const values = { visitorName: 'Sam', visitorEmail: 'sam@example.com', agentName: 'Ada' };

  it('replaces the "/shortcut" with the body, placeholders filled', () => {
    expect(insertCanned('/tha', REPLIES[0]!, values)).toBe('Thanks for reaching out, Sam!');
    expect(insertCanned('/ref', REPLIES[1]!, values)).toBe('I have started your refund. — Ada');
    expect(insertCanned('/', REPLIES[2]!, values)).toBe('Here is your return label, sent to sam@example.com.');
  });

  it('fills unknown values as the contract says ("there" for a nameless visitor)', () => {
    expect(insertCanned('/thanks', REPLIES[0]!, {})).toBe('Thanks for reaching out, there!');
    expect(insertCanned('/return', REPLIES[2]!, { visitorEmail: null })).toBe('Here is your return label, sent to .');
  });

  it('does not read "$" in a body as a replacement pattern', () => {
    expect(insertCanned('/p', { body: 'It costs $& or $1' }, values)).toBe('It costs $& or $1');
  });
});

describe('arrow keys', () => {
  it('move and wrap around', () => {
    expect(moveActive(0, 3, 'ArrowDown')).toBe(1);
    expect(moveActive(2, 3, 'ArrowDown')).toBe(0);
    expect(moveActive(0, 3, 'ArrowUp')).toBe(2);
    expect(moveActive(-1, 3, 'ArrowUp')).toBe(2);
    expect(moveActive(0, 0, 'ArrowDown')).toBe(-1);
  });
});
