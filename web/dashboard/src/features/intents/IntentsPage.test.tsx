// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { CustomIntent } from '../../api/insight';
import { ME, bot, errorBody, json } from '../../test/fakeFetch';
import { NO_FIELDS } from '../../test/insight';
import { renderApp } from '../../test/renderApp';

afterEach(cleanup);

const sample = bot();
const base = `/api/v1/bots/${sample.id}`;
const kayak: CustomIntent = { name: 'rent_kayak', phrases: ['rent a kayak'], patterns: ['# kayaks'], lead_points: 15 };
/** Thresholds the page does not edit; they must go back unchanged. */
const config = { intent_threshold: 0.5, model_floor: 0.3, lead: { qualified: 60, hot: 70, warm: 40 } };

function routes(extra: Record<string, Parameters<typeof renderApp>[1][string]> = {}) {
  return {
    'GET /api/v1/auth/me': () => json(200, ME),
    [`GET ${base}`]: () => json(200, sample),
    [`GET ${base}/intents`]: () => json(200, { intents: [kayak], config }),
    ...extra,
  };
}

describe('intents page', () => {
  it('is a bot tab and shows the saved intents', async () => {
    renderApp(`/bots/${sample.id}/intents`, routes());
    const group = await screen.findByRole('group', { name: 'rent_kayak' });
    expect((within(group).getByLabelText('Phrases') as HTMLTextAreaElement).value).toBe('rent a kayak');
    expect((within(group).getByLabelText('Patterns') as HTMLTextAreaElement).value).toBe('# kayaks');
    expect((within(group).getByLabelText('Lead points') as HTMLInputElement).value).toBe('15');
    expect(screen.getByRole('link', { name: 'Intents' }).getAttribute('aria-current')).toBe('page');
    expect(screen.getByText('All changes saved')).toBeTruthy();
  });

  it('checks the form before saving, then saves and says so', async () => {
    const { calls } = renderApp(
      `/bots/${sample.id}/intents`,
      routes({ [`PUT ${base}/intents`]: (req) => json(200, req.body) }),
    );
    await screen.findByRole('group', { name: 'rent_kayak' });
    fireEvent.click(screen.getByRole('button', { name: 'Add intent' }));
    const fresh = screen.getByRole('group', { name: 'New intent' });
    await waitFor(() => expect(document.activeElement).toBe(within(fresh).getByLabelText('Name')));
    expect(screen.getByText('You have unsaved changes')).toBeTruthy();

    fireEvent.change(within(fresh).getByLabelText('Name'), { target: { value: 'refund' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save intents' }));
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', 'Some intents need attention.');
    const group = screen.getByRole('group', { name: 'refund' });
    expect(within(group).getByText('“refund” is a built-in intent.')).toBeTruthy();
    expect(within(group).getByText('Add at least one phrase or pattern.')).toBeTruthy();
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);

    fireEvent.change(within(group).getByLabelText('Name'), { target: { value: 'group_trip' } });
    const trip = screen.getByRole('group', { name: 'group_trip' });
    fireEvent.change(within(trip).getByLabelText('Phrases'), { target: { value: 'school trip\n\nclass outing\n' } });
    fireEvent.change(within(trip).getByLabelText('Patterns'), { target: { value: 'trip for # people' } });
    fireEvent.change(within(trip).getByLabelText('Lead points'), { target: { value: '10' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save intents' }));
    expect(await screen.findByText('Intents saved')).toBeTruthy();
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({
      intents: [kayak, { name: 'group_trip', phrases: ['school trip', 'class outing'], patterns: ['trip for # people'], lead_points: 10 }],
      config,
    });
    expect(calls.find((c) => c.method === 'PUT')?.headers.get('X-CSRF-Token')).toBe('csrf-123');
    expect(screen.getByText('All changes saved')).toBeTruthy();
  });

  it('shows the server’s reason next to the form when it refuses, and discards edits', async () => {
    renderApp(
      `/bots/${sample.id}/intents`,
      routes({
        [`PUT ${base}/intents`]: () =>
          errorBody(422, 'invalid_input', 'Some values are not valid.', { intents: 'intent "rent_kayak": phrase "!!" has no words' }),
      }),
    );
    const group = await screen.findByRole('group', { name: 'rent_kayak' });
    fireEvent.change(within(group).getByLabelText('Phrases'), { target: { value: 'rent a kayak\n!!' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save intents' }));
    expect((await screen.findByRole('alert')).textContent).toBe('intent "rent_kayak": phrase "!!" has no words');

    fireEvent.click(screen.getByRole('button', { name: 'Discard' }));
    expect((within(screen.getByRole('group', { name: 'rent_kayak' })).getByLabelText('Phrases') as HTMLTextAreaElement).value).toBe('rent a kayak');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByText('All changes saved')).toBeTruthy();
  });

  it('removes an intent', async () => {
    const { calls } = renderApp(`/bots/${sample.id}/intents`, routes({ [`PUT ${base}/intents`]: (req) => json(200, req.body) }));
    fireEvent.click(await screen.findByRole('button', { name: 'Remove intent rent_kayak' }));
    expect(screen.queryByRole('group', { name: 'rent_kayak' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Save intents' }));
    await screen.findByText('Intents saved');
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ intents: [], config });
  });

  it('tries a message against the saved intents', async () => {
    const { calls } = renderApp(
      `/bots/${sample.id}/intents`,
      routes({
        [`POST ${base}/analyze`]: () =>
          json(200, {
            sentiment: { score: 0.42, label: 'positive' },
            intents: [
              { intent: 'rent_kayak', confidence: 0.9, evidence: ['40 kayaks'], lead_points: 15 },
              { intent: 'pricing', confidence: 0.45, evidence: ['cost'], lead_points: 10 },
            ],
            fields: { ...NO_FIELDS, quantity: { value: 40, unit: 'kayaks' }, timeline: 'next month' },
            chars: 36,
          }),
      }),
    );
    const group = await screen.findByRole('group', { name: 'rent_kayak' });
    fireEvent.change(within(group).getByLabelText('Lead points'), { target: { value: '20' } });
    expect(screen.getByText('Uses the saved intents: save to try your changes.')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Message to analyze'), { target: { value: ' We need 40 kayaks next month, great! ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Analyze' }));
    const result = await screen.findByRole('region', { name: 'Analysis' });
    expect(calls.find((c) => c.path.endsWith('/analyze'))?.body).toEqual({ text: 'We need 40 kayaks next month, great!' });
    expect(within(result).getByText('Sentiment: positive (+0.42)')).toBeTruthy();
    const chips = within(within(result).getByRole('list', { name: 'Intents' })).getAllByRole('listitem');
    expect(chips.map((c) => c.textContent)).toEqual(['rent kayak 90%', 'pricing 45%']);
    expect(chips[0]!.getAttribute('title')).toBe('rent kayak: 90% confident · matched “40 kayaks” · +15 lead points');
    // Weak by the bot's own threshold (0.5), not the default.
    expect(chips[1]!.className).toContain('intent-chip-weak');
    expect(within(result).getByText('40 kayaks', { selector: 'dd' })).toBeTruthy();
    expect(within(result).getByText('next month')).toBeTruthy();
  });
});
