import { describe, expect, it } from 'vitest';
import { PLACEHOLDERS, fillPlaceholders } from './placeholders';

describe('fillPlaceholders', () => {
  it('fills the visitor and the agent', () => {
    const body = 'Hi {{visitor.name}}, I will write to {{visitor.email}}. {{agent.name}}';
    expect(fillPlaceholders(body, { visitorName: 'Jo', visitorEmail: 'jo@acme.com', agentName: 'Ada' })).toBe(
      'Hi Jo, I will write to jo@acme.com. Ada',
    );
  });

  it('says "there" for a visitor whose name is not known', () => {
    expect(fillPlaceholders('Hi {{visitor.name}}!', {})).toBe('Hi there!');
    expect(fillPlaceholders('Hi {{visitor.name}}!', { visitorName: null })).toBe('Hi there!');
    expect(fillPlaceholders('Hi {{visitor.name}}!', { visitorName: '   ' })).toBe('Hi there!');
  });

  it('leaves other unknown values empty', () => {
    expect(fillPlaceholders('Email: {{visitor.email}}.', { visitorEmail: null })).toBe('Email: .');
    expect(fillPlaceholders('- {{agent.name}}', {})).toBe('- ');
  });

  it('fills every occurrence, with spaces or capitals inside the braces', () => {
    expect(fillPlaceholders('{{visitor.name}} {{ visitor.name }} {{Visitor.Name}}', { visitorName: 'Jo' })).toBe('Jo Jo Jo');
  });

  it('trims the values it puts in', () => {
    expect(fillPlaceholders('[{{agent.name}}]', { agentName: '  Ada ' })).toBe('[Ada]');
  });

  it('does not fill placeholders that come from a value', () => {
    expect(fillPlaceholders('Hi {{visitor.name}}', { visitorName: '{{agent.name}}', agentName: 'Ada' })).toBe('Hi {{agent.name}}');
  });

  it('leaves text it does not know as written', () => {
    expect(fillPlaceholders('Order {{order.id}} and {visitor.name} and {{visitor.name', { visitorName: 'Jo' })).toBe(
      'Order {{order.id}} and {visitor.name} and {{visitor.name',
    );
  });

  it('lists the three placeholders it fills', () => {
    expect(PLACEHOLDERS.map((p) => p.token)).toEqual(['{{visitor.name}}', '{{visitor.email}}', '{{agent.name}}']);
    const all = PLACEHOLDERS.map((p) => p.token).join(' ');
    expect(fillPlaceholders(all, { visitorName: 'a', visitorEmail: 'b', agentName: 'c' })).toBe('a b c');
  });
});
