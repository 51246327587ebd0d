import { useEffect, useRef, useState } from 'react';
import { useApi } from '../../api/context';
import { errorMessage } from '../../api/errors';
import type { Bot, Faq } from '../../api/types';
import { canManage, useMe } from '../../lib/session';
import { useResource } from '../../lib/useResource';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { ConfirmDialog } from '../../ui/Modal';
import { LoadError, Loading } from '../../ui/Page';
import { useToast } from '../../ui/Toast';
import { FaqDialog } from './FaqDialog';
import { moveItem, reorderIds, sortFaqs, type FaqFormValues } from './faqs';

type Editing = { faq: Faq | null } | null;

/** /bots/:id/faqs, inside the app's bot sub-page frame (header and tabs). */
export function FaqsPage({ bot }: { bot: Bot }) {
  const api = useApi();
  const me = useMe();
  const toast = useToast();
  const manage = canManage(me.role);
  const faqs = useResource(async () => sortFaqs(await api.faqs.list(bot.id)), `faqs:${bot.id}`);
  const [editing, setEditing] = useState<Editing>(null);
  const [deleting, setDeleting] = useState<Faq | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  // After a move, focus follows the moved FAQ's button. While a reorder is being
  // saved the move buttons are aria-disabled (not disabled, which would drop focus).
  const [refocus, setRefocus] = useState<{ id: string; direction: 'up' | 'down' } | null>(null);
  const listRef = useRef<HTMLOListElement>(null);

  useEffect(() => {
    if (!refocus || !listRef.current) return;
    const item = listRef.current.querySelector<HTMLElement>(`[data-faq-id="${refocus.id}"]`);
    const wanted = item?.querySelector<HTMLButtonElement>(`[data-move="${refocus.direction}"]:not(:disabled)`);
    const other = item?.querySelector<HTMLButtonElement>(`[data-move]:not(:disabled)`);
    (wanted ?? other)?.focus();
    setRefocus(null);
  }, [refocus, faqs.data]);

  const list = faqs.data ?? [];

  const save = async (values: FaqFormValues) => {
    if (!editing) return;
    if (editing.faq) {
      const updated = await api.faqs.update(bot.id, editing.faq.id, values);
      faqs.setData(list.map((f) => (f.id === updated.id ? updated : f)));
      toast('FAQ saved');
    } else {
      const created = await api.faqs.create(bot.id, values);
      faqs.setData([...list, created]);
      toast('FAQ added');
    }
    setEditing(null);
  };

  const toggle = async (faq: Faq) => {
    setBusyId(faq.id);
    try {
      const updated = await api.faqs.update(bot.id, faq.id, { enabled: !faq.enabled });
      faqs.setData(list.map((f) => (f.id === updated.id ? updated : f)));
    } catch (e) {
      toast(`Could not update the FAQ: ${errorMessage(e)}`, 'error');
    } finally {
      setBusyId(null);
    }
  };

  const move = async (faq: Faq, delta: -1 | 1) => {
    if (busyId !== null) return;
    const ids = reorderIds(list, faq.id, delta);
    if (!ids) return;
    const before = list;
    const index = list.findIndex((f) => f.id === faq.id);
    faqs.setData(moveItem(list, index, delta));
    setRefocus({ id: faq.id, direction: delta < 0 ? 'up' : 'down' });
    setBusyId(faq.id);
    try {
      faqs.setData(sortFaqs(await api.faqs.reorder(bot.id, ids)));
      setRefocus({ id: faq.id, direction: delta < 0 ? 'up' : 'down' });
    } catch (e) {
      faqs.setData(before);
      toast(`Could not reorder: ${errorMessage(e)}`, 'error');
    } finally {
      setBusyId(null);
    }
  };

  const remove = async () => {
    if (!deleting) return;
    await api.faqs.remove(bot.id, deleting.id);
    faqs.setData(list.filter((f) => f.id !== deleting.id));
    toast('FAQ deleted');
    setDeleting(null);
  };

  return (
    <>
      <section className="section" aria-labelledby="faqs-heading">
        <div className="section-header">
          <div>
            <h2 className="section-title" id="faqs-heading">
              FAQ
            </h2>
            <p className="section-description">
              {faqs.data ? `${list.length} question${list.length === 1 ? '' : 's'}, in the order the bot checks them.` : ' '}
            </p>
          </div>
          {manage && (
            <Button variant="primary" onClick={() => setEditing({ faq: null })}>
              New FAQ
            </Button>
          )}
        </div>
        {faqs.error !== undefined && faqs.data === undefined ? (
          <LoadError error={faqs.error} onRetry={faqs.reload} />
        ) : faqs.data === undefined ? (
          <Loading label="Loading FAQs" />
        ) : list.length === 0 ? (
          <div className="table-empty">
            <div className="empty-state">
              <p className="empty-title">No FAQs yet</p>
              <p className="empty-text">Add the questions visitors ask most, with the exact answer to give.</p>
              {manage && (
                <Button variant="primary" onClick={() => setEditing({ faq: null })}>
                  New FAQ
                </Button>
              )}
            </div>
          </div>
        ) : (
          <ol className="faq-list" aria-label="FAQs" ref={listRef}>
            {list.map((faq, i) => (
              <li key={faq.id} className={faq.enabled ? 'faq-item' : 'faq-item faq-item-disabled'} data-faq-id={faq.id}>
                <span className="faq-index" aria-hidden="true">
                  {i + 1}
                </span>
                <div className="faq-content">
                  <p className="faq-question">{faq.question}</p>
                  <p className="faq-answer">{faq.answer}</p>
                  {!faq.enabled && <Badge tone="neutral">Disabled</Badge>}
                </div>
                <div className="faq-actions">
                  <label className="switch-row switch-row-sm" title={faq.enabled ? 'Enabled' : 'Disabled'}>
                    <input
                      type="checkbox"
                      role="switch"
                      className="switch"
                      checked={faq.enabled}
                      disabled={!manage || busyId === faq.id}
                      aria-label={`Enabled: ${faq.question}`}
                      onChange={() => void toggle(faq)}
                    />
                  </label>
                  {manage && (
                    <>
                      <div className="move-buttons" role="group" aria-label={`Move ${faq.question}`}>
                        <Button
                          size="sm"
                          variant="ghost"
                          className="btn-icon"
                          data-move="up"
                          aria-label={`Move up: ${faq.question}`}
                          disabled={i === 0}
                          aria-disabled={busyId !== null || undefined}
                          onClick={() => void move(faq, -1)}
                        >
                          <span aria-hidden="true">↑</span>
                        </Button>
                        <Button
                          size="sm"
                          variant="ghost"
                          className="btn-icon"
                          data-move="down"
                          aria-label={`Move down: ${faq.question}`}
                          disabled={i === list.length - 1}
                          aria-disabled={busyId !== null || undefined}
                          onClick={() => void move(faq, 1)}
                        >
                          <span aria-hidden="true">↓</span>
                        </Button>
                      </div>
                      <Button size="sm" variant="ghost" aria-label={`Edit: ${faq.question}`} onClick={() => setEditing({ faq })}>
                        Edit
                      </Button>
                      <Button
                        size="sm"
                        variant="ghost"
                        className="btn-danger-text"
                        aria-label={`Delete: ${faq.question}`}
                        onClick={() => setDeleting(faq)}
                      >
                        Delete
                      </Button>
                    </>
                  )}
                </div>
              </li>
            ))}
          </ol>
        )}
      </section>

      <FaqDialog open={editing !== null} faq={editing?.faq ?? null} onClose={() => setEditing(null)} onSave={save} />
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this FAQ?"
        confirmLabel="Delete FAQ"
        onCancel={() => setDeleting(null)}
        onConfirm={remove}
      >
        <p>
          “{deleting?.question}” is removed and the bot stops answering it word for word. This cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  );
}
