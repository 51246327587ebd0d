import { useEffect, useRef, useState } from 'react';
import type { Citation } from '../../api/conversations';
import { Link } from '../../lib/router';
import { Button } from '../../ui/Button';
import { formatDateTime, formatRelative } from '../../ui/format';
import { IntentChips, SentimentBadge } from '../../ui/insight/InsightBadges';
import { Dialog } from '../../ui/Modal';
import type { AnalysisNote, Attachment, ImageAttachment, Message } from './contract';

const ROLE_LABEL: Record<string, string> = { visitor: 'Visitor', bot: 'Bot', agent: 'Agent', system: 'System' };

const KIND_LABEL: Record<string, string> = { condition: 'Condition', invoice: 'Invoice', count: 'Count', describe: 'Description' };

/** The line under an analysed image: its kind, then the summary or what became of it. */
export function analysisLine(a: AnalysisNote): string {
  const kind = KIND_LABEL[a.kind] ?? a.kind;
  switch (a.status) {
    case 'queued':
      return `${kind}: analysing…`;
    case 'done': {
      const by = (a as { corrected_by?: string | null }).corrected_by;
      return `${kind}: ${a.summary ?? 'done'}${by ? ` (corrected by ${by})` : ''}`;
    }
    case 'unavailable':
      return `${kind}: not available on this server (see System health)`;
    default:
      return `${kind}: the analysis failed`;
  }
}

export function isImage(a: Attachment): a is ImageAttachment {
  return a.kind === 'image' && typeof (a as ImageAttachment).url === 'string' && (a as ImageAttachment).url !== '';
}

/** The notice that asked the visitor to rate: flagged by the server, or carrying a rating_request attachment. */
export function asksForRating(m: Pick<Message, 'attachments' | 'rating_request'>): boolean {
  return m.rating_request === true || (m.attachments ?? []).some((a) => a.kind === 'rating_request');
}

/** "Ada Lovelace" for an agent's message with its author, else the role. */
export function authorLabel(m: Pick<Message, 'role' | 'author'>): string {
  const name = m.role === 'agent' ? m.author?.name?.trim() : undefined;
  return name || (ROLE_LABEL[m.role] ?? m.role);
}

export function Transcript({ messages, botId }: { messages: Message[]; botId: string }) {
  const box = useRef<HTMLOListElement>(null);
  const [enlarged, setEnlarged] = useState<ImageAttachment | null>(null);
  const count = messages.length;
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [count]);

  if (messages.length === 0) return <p className="transcript-empty muted">No messages yet.</p>;
  return (
    <>
      <ol className="transcript" aria-label="Transcript" tabIndex={0} ref={box}>
        {messages.map((m) => {
          const images = (m.attachments ?? []).filter(isImage);
          return (
            <li key={m.id} className={`message message-${m.role}`}>
              {m.role === 'system' ? (
                <p className="message-system">
                  {m.text}
                  {asksForRating(m) && <span className="rating-request"> · The visitor was asked to rate this conversation.</span>}
                </p>
              ) : (
                <>
                  <div className="message-meta">
                    <span className="message-role">{authorLabel(m)}</span>
                    {m.role === 'agent' && authorLabel(m) !== ROLE_LABEL.agent && <span className="message-role-sub">Agent</span>}
                    <time dateTime={m.created_at} title={formatDateTime(m.created_at)}>
                      {formatRelative(m.created_at)}
                    </time>
                  </div>
                  {m.text.trim() !== '' && <div className="message-bubble">{m.text}</div>}
                  {images.length > 0 && (
                    <ul className="message-images" aria-label="Images">
                      {images.map((img, i) => (
                        <li key={`${img.url}-${i}`}>
                          <button type="button" className="message-image" onClick={() => setEnlarged(img)} aria-label={`Enlarge image ${img.name}`}>
                            <img src={img.url} alt={img.name} loading="lazy" />
                          </button>
                          {img.analysis && <p className={`message-image-analysis analysis-${img.analysis.status}`}>{analysisLine(img.analysis)}</p>}
                        </li>
                      ))}
                    </ul>
                  )}
                  {m.insight && (
                    <div className="message-insight">
                      <SentimentBadge label={m.insight.sentiment.label} score={m.insight.sentiment.score} />
                      <IntentChips intents={m.insight.intents} />
                    </div>
                  )}
                  {m.citations.length > 0 && <Citations citations={m.citations} botId={botId} />}
                </>
              )}
            </li>
          );
        })}
      </ol>
      <Dialog
        open={enlarged !== null}
        title={enlarged?.name || 'Image'}
        size="lg"
        onClose={() => setEnlarged(null)}
        footer={
          <>
            {enlarged && (
              <a className="btn btn-ghost" href={enlarged.url} target="_blank" rel="noopener noreferrer">
                Open original
              </a>
            )}
            <Button onClick={() => setEnlarged(null)} data-autofocus>
              Close
            </Button>
          </>
        }
      >
        {enlarged && <img className="lightbox-image" src={enlarged.url} alt={enlarged.name} />}
      </Dialog>
    </>
  );
}

export function citationLabel(c: Citation): string {
  if (c.kind === 'faq') return `FAQ: ${c.title}`;
  return c.heading ? `${c.title} · ${c.heading}` : c.title;
}

function Citations({ citations, botId }: { citations: Citation[]; botId: string }) {
  const base = `/bots/${encodeURIComponent(botId)}`;
  return (
    <ul className="citations" aria-label="Sources">
      {citations.map((c, i) => (
        <li key={`${c.kind}-${c.document_id ?? c.faq_id ?? ''}-${i}`}>
          <Link to={c.kind === 'faq' ? `${base}/faqs` : `${base}/knowledge`} className="citation" title={citationLabel(c)}>
            <span className="citation-kind" aria-hidden="true">
              {c.kind === 'faq' ? '?' : '¶'}
            </span>
            <span className="citation-text">{citationLabel(c)}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}
