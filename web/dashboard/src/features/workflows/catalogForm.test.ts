import { describe, expect, it } from 'vitest';
import { actionFields, localProblems, parseValue, providerOf, setParam } from './catalogForm';
import type { ActionSpec } from './contract';
import { applySuggestion, openPath, openTemplate, suggest } from './templateComplete';

const WEBHOOK: ActionSpec = {
  kind: 'webhook',
  required: [{ name: 'url', kind: { type: 'url' } }],
  optional: [
    { name: 'payload', kind: { type: 'json' } },
    { name: 'secret_name', kind: { type: 'text' } },
  ],
  needs_integration: null,
};

const DEAL: ActionSpec = {
  kind: 'hubspot_deal',
  required: [{ name: 'name', kind: { type: 'text' } }],
  optional: [
    { name: 'amount', kind: { type: 'number' } },
    { name: 'stage', kind: { type: 'text' } },
  ],
  needs_integration: 'hubspot',
};

describe('forms from the action catalog', () => {
  it('picks a control per parameter kind, required ones first', () => {
    const stage: ActionSpec = { kind: 'set_lead_stage', required: [{ name: 'stage', kind: { type: 'enum', values: ['new', 'won'] } }], optional: [], needs_integration: null };
    expect(actionFields(WEBHOOK).map((f) => [f.name, f.control, f.required])).toEqual([
      ['url', 'url', true],
      ['payload', 'json', false],
      ['secret_name', 'text', false],
    ]);
    expect(actionFields(stage)[0]).toMatchObject({ label: 'Stage', control: 'select', options: ['new', 'won'], templates: false });
    expect(actionFields(DEAL)[1]).toMatchObject({ label: 'Amount', control: 'number', templates: true });
  });

  it('stores numbers as numbers, templates as text, and drops emptied boxes', () => {
    const amount = actionFields(DEAL)[1]!;
    expect(parseValue(amount, '1200')).toBe(1200);
    expect(parseValue(amount, '{{lead.budget}}')).toBe('{{lead.budget}}');
    expect(parseValue(amount, ' ')).toBeUndefined();
    expect(setParam({ name: 'x', amount: 5 }, 'amount', undefined)).toEqual({ name: 'x' });
    expect(setParam(undefined, 'name', 'Deal')).toEqual({ name: 'Deal' });
  });

  it('sees missing required parameters and JSON that cannot parse, templates allowed', () => {
    expect(localProblems(WEBHOOK, {})).toEqual({ url: 'Url is required.' });
    expect(localProblems(WEBHOOK, { url: 'https://x.test', payload: '{"email": "{{visitor.email}}", "score": {{lead.score}}}' })).toEqual({});
    expect(localProblems(WEBHOOK, { url: 'https://x.test', payload: '{"email": ' })).toEqual({ payload: 'Payload is not valid JSON.' });
  });

  it('names the provider an integration is connected through', () => {
    expect(providerOf('google_sheets')).toEqual({ id: 'google', name: 'Google Sheets' });
    expect(providerOf('slack').name).toBe('Slack');
  });
});

describe('template autocomplete', () => {
  it('opens after {{ and closes the template on a pick', () => {
    const text = 'Hi {{ vis';
    const open = openTemplate(text, text.length);
    expect(open).toEqual({ start: 6, prefix: 'vis' });
    expect(suggest(open!.prefix)).toContain('visitor.email');
    expect(applySuggestion(text, text.length, open!, 'visitor.name', true)).toEqual({ text: 'Hi {{ visitor.name}}', caret: 20 });
    expect(openTemplate('Hi {{visitor.name}} and', 23)).toBeNull();
  });

  it('suggests paths in expressions, not inside strings', () => {
    expect(openPath('lead.sc', 7)).toEqual({ start: 0, prefix: 'lead.sc' });
    expect(suggest('lead.sc')).toEqual(['lead.score']);
    expect(openPath('intent == "bulk', 15)).toBeNull();
    expect(applySuggestion('lead.sc >= 80', 7, { start: 0, prefix: 'lead.sc' }, 'lead.score', false).text).toBe('lead.score >= 80');
  });
});
