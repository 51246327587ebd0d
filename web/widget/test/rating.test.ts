import { describe, expect, it, vi } from 'vitest';
import { RatingCard, ratingView, type RatingOutcome } from '../src/ui/rating';

const radios = (card: RatingCard) => [...card.el.querySelectorAll<HTMLButtonElement>('[role=radio]')];
const sendButton = (card: RatingCard) => card.el.querySelector<HTMLButtonElement>('button[type=submit]')!;
const checked = (card: RatingCard) => radios(card).findIndex((b) => b.getAttribute('aria-checked') === 'true') + 1;
const key = (el: HTMLElement, k: string) => el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));

/** A `send` whose answer the test gives when it likes. */
function deferred() {
  let answer!: (o: RatingOutcome) => void;
  const send = vi.fn((_score: number, _comment: string) => new Promise<RatingOutcome>((r) => (answer = r)));
  return { send, answer: (o: RatingOutcome) => answer(o) };
}

describe('which rating state a conversation shows', () => {
  it('asks only while resolved and not rated, thanks once rated, nothing without a request', () => {
    expect(ratingView({ status: 'resolved', rating: null }, true)).toBe('ask');
    expect(ratingView({ status: 'open', rating: null }, true)).toBe('none');
    expect(ratingView({ status: 'resolved', rating: { score: 4, comment: null } }, true)).toBe('thanks');
    // Rated, then the visitor wrote again: the thanks stay where they were.
    expect(ratingView({ status: 'open', rating: { score: 2, comment: 'slow' } }, true)).toBe('thanks');
    expect(ratingView({ status: 'resolved', rating: null }, false)).toBe('none');
  });
});

describe('the rating card', () => {
  it('starts with five unchecked stars in a labelled radio group, a comment box and a disabled Send', () => {
    const card = new RatingCard(vi.fn());
    const group = card.el.querySelector('[role=radiogroup]')!;
    const title = card.el.querySelector(`#${group.getAttribute('aria-labelledby')}`);
    expect(title?.textContent).toBe('How did we do?');
    expect(radios(card).map((b) => b.getAttribute('aria-label'))).toEqual(['1 out of 5', '2 out of 5', '3 out of 5', '4 out of 5', '5 out of 5']);
    expect(checked(card)).toBe(0);
    // One tab stop for the group: the first star until one is chosen.
    expect(radios(card).map((b) => b.tabIndex)).toEqual([0, -1, -1, -1, -1]);
    const comment = card.el.querySelector('textarea')!;
    expect(card.el.querySelector(`label[for="${comment.id}"]`)?.textContent).toBe('Anything to add? (optional)');
    expect(sendButton(card).disabled).toBe(true);
    expect(sendButton(card).getAttribute('aria-label')).toBe('Send rating');
    expect(card.state).toBe('ask');
  });

  it('picks a score with one tap and lights the stars up to it', () => {
    const card = new RatingCard(vi.fn());
    radios(card)[3].click();
    expect(checked(card)).toBe(4);
    expect(radios(card).map((b) => b.classList.contains('on'))).toEqual([true, true, true, true, false]);
    expect(radios(card).map((b) => b.tabIndex)).toEqual([-1, -1, -1, 0, -1]);
    expect(sendButton(card).disabled).toBe(false);
  });

  it('moves and picks with the arrow keys, wrapping, and jumps with Home and End', () => {
    const card = new RatingCard(vi.fn());
    document.body.append(card.el);
    key(radios(card)[0], 'ArrowRight');
    expect(checked(card)).toBe(2);
    expect(document.activeElement).toBe(radios(card)[1]);
    key(radios(card)[1], 'ArrowLeft');
    key(radios(card)[0], 'ArrowLeft');
    expect(checked(card)).toBe(5);
    key(radios(card)[4], 'ArrowUp');
    expect(checked(card)).toBe(1);
    key(radios(card)[0], 'End');
    expect(checked(card)).toBe(5);
    key(radios(card)[4], 'Home');
    expect(checked(card)).toBe(1);
    card.el.remove();
  });

  it('sends score and comment, is busy meanwhile, then thanks with the score', async () => {
    const { send, answer } = deferred();
    const card = new RatingCard(send);
    radios(card)[3].click();
    card.el.querySelector('textarea')!.value = '  Quick and kind  ';
    card.el.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    expect(send).toHaveBeenCalledWith(4, 'Quick and kind');
    expect(card.state).toBe('sending');
    expect(radios(card).every((b) => b.disabled)).toBe(true);
    expect(sendButton(card).disabled).toBe(true);
    expect(sendButton(card).textContent).toBe('Sending…');
    // A second press while sending sends nothing.
    await card.submit();
    expect(send).toHaveBeenCalledTimes(1);
    answer({ ok: { score: 4, comment: 'Quick and kind' } });
    await vi.waitFor(() => expect(card.state).toBe('thanks'));
    expect(card.el.querySelector('[role=status]')?.textContent).toContain('Thanks for your feedback');
    expect(card.el.textContent).toContain('You rated this conversation 4 out of 5.');
    expect(card.el.querySelectorAll('.stars.shown svg.on').length).toBe(4);
    expect(card.el.querySelector('[role=radio], textarea, button')).toBeNull();
  });

  it('sends an empty comment as an empty string (the widget leaves it out)', async () => {
    const send = vi.fn(async () => ({ ok: { score: 5, comment: null } }) as RatingOutcome);
    const card = new RatingCard(send);
    radios(card)[4].click();
    await card.submit();
    expect(send).toHaveBeenCalledWith(5, '');
    expect(card.state).toBe('thanks');
  });

  it('goes away when the conversation was reopened (409 not_resolved)', async () => {
    const gone = vi.fn();
    const card = new RatingCard(async () => ({ gone: true }), gone);
    const log = document.createElement('div');
    log.append(card.el);
    radios(card)[0].click();
    await card.submit();
    expect(log.contains(card.el)).toBe(false);
    expect(gone).toHaveBeenCalledOnce();
  });

  it('says so on an error and lets the visitor try again, keeping what they chose', async () => {
    const send = vi
      .fn<(score: number, comment: string) => Promise<RatingOutcome>>()
      .mockResolvedValueOnce({ error: 'Your rating could not be sent. Please try again.' })
      .mockResolvedValueOnce({ ok: { score: 2, comment: 'late' } });
    const card = new RatingCard(send);
    radios(card)[1].click();
    card.el.querySelector('textarea')!.value = 'late';
    await card.submit();
    expect(card.state).toBe('ask');
    expect(card.el.querySelector('[role=alert]')?.textContent).toBe('Your rating could not be sent. Please try again.');
    expect(sendButton(card).disabled).toBe(false);
    expect(sendButton(card).textContent).toBe('Send');
    expect(checked(card)).toBe(2);
    expect(card.el.querySelector('textarea')!.value).toBe('late');
    await card.submit();
    expect(send).toHaveBeenLastCalledWith(2, 'late');
    expect(card.state).toBe('thanks');
  });

  it('treats a send that throws as an error, not a crash', async () => {
    const card = new RatingCard(() => Promise.reject(new TypeError('Failed to fetch')));
    radios(card)[2].click();
    await card.submit();
    expect(card.state).toBe('ask');
    expect(card.el.querySelector('[role=alert]')?.textContent).toMatch(/could not be sent/);
  });

  it('shows the thanks straight away for a conversation rated before', () => {
    const card = RatingCard.thanks({ score: 3, comment: null });
    expect(card.state).toBe('thanks');
    expect(card.el.textContent).toContain('Thanks for your feedback');
    expect(card.el.textContent).toContain('3 out of 5');
    expect(card.el.querySelector('[role=radio]')).toBeNull();
  });
});
