import type { Faq } from '../../api/types';

/** Moves the item at `index` by `delta` places; the same array when it cannot move. */
export function moveItem<T>(items: readonly T[], index: number, delta: number): T[] {
  const target = index + delta;
  if (index < 0 || index >= items.length || target < 0 || target >= items.length || delta === 0) return items.slice();
  const copy = items.slice();
  const [item] = copy.splice(index, 1);
  copy.splice(target, 0, item as T);
  return copy;
}

/** The body of POST …/faqs/reorder after moving one FAQ: every id, in the new order. */
export function reorderIds(faqs: readonly Pick<Faq, 'id'>[], id: string, delta: number): string[] | null {
  const index = faqs.findIndex((f) => f.id === id);
  const target = index + delta;
  if (index === -1 || target < 0 || target >= faqs.length) return null;
  return moveItem(faqs, index, delta).map((f) => f.id);
}

/** Sorts FAQs by position (then creation) as the list shows them. */
export function sortFaqs(faqs: readonly Faq[]): Faq[] {
  return [...faqs].sort((a, b) => a.position - b.position || a.created_at.localeCompare(b.created_at));
}

export interface FaqFormValues {
  question: string;
  answer: string;
  enabled: boolean;
}

export function validateFaq(values: FaqFormValues): Partial<Record<'question' | 'answer', string>> {
  const errors: Partial<Record<'question' | 'answer', string>> = {};
  if (!values.question.trim()) errors.question = 'Question is required';
  if (!values.answer.trim()) errors.answer = 'Answer is required';
  return errors;
}
