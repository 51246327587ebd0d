import { useEffect, useRef, useState, useSyncExternalStore, type FormEvent, type KeyboardEvent } from 'react';
import { useApi } from '../../api/context';
import { errorMessage } from '../../api/errors';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { Textarea } from '../../ui/Input';
import type { TryResult } from './contract';
import {
  budgetParts,
  budgetSummary,
  formatScore,
  formatTokens,
  outcomeOf,
  passageTitle,
  passageUse,
  passagesSummary,
  relevanceMeter,
} from './tryBot';
import './model.css';

const QUESTION_MAX = 4000;

type Exchange =
  | { id: number; question: string; state: 'pending' }
  | { id: number; question: string; state: 'done'; result: TryResult }
  | { id: number; question: string; state: 'failed'; error: string };

// The questions asked, per bot, for as long as the dashboard stays open: they survive a
// visit to another page (the panel remounts, and an answer that lands meanwhile is kept)
// and go with a reload. Nothing is stored on the server either.
const sessionHistory = new Map<string, Exchange[]>();
const listeners = new Set<() => void>();
const NONE: Exchange[] = [];
let nextId = 1;

function updateHistory(botId: string, update: (list: Exchange[]) => Exchange[]) {
  sessionHistory.set(botId, update(sessionHistory.get(botId) ?? NONE));
  listeners.forEach((listener) => listener());
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/**
 * "Try the bot": ask what a visitor would ask and see the answer, where it came from
 * (FAQ, passages, model, fallback, handoff), how relevant the best passage was against
 * the bar, the passages and the prompt's budget. POST …/try stores nothing.
 */
export function TryPanel({ botId }: { botId: string }) {
  const api = useApi();
  const history = useSyncExternalStore(subscribe, () => sessionHistory.get(botId) ?? NONE);
  const [question, setQuestion] = useState('');
  const logRef = useRef<HTMLOListElement>(null);
  const pending = history.some((x) => x.state === 'pending');
  const setHistory = (update: (list: Exchange[]) => Exchange[]) => updateHistory(botId, update);

  useEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
  }, [history.length, pending]);

  const ask = async (text: string, replaceId?: number) => {
    const id = replaceId ?? nextId++;
    setHistory((list) =>
      replaceId === undefined
        ? [...list, { id, question: text, state: 'pending' }]
        : list.map((x) => (x.id === id ? { id, question: text, state: 'pending' } : x)),
    );
    let done: Exchange;
    try {
      const result = await api.send<TryResult>('POST', `/api/v1/bots/${encodeURIComponent(botId)}/try`, { body: { question: text } });
      done = { id, question: text, state: 'done', result };
    } catch (e) {
      done = { id, question: text, state: 'failed', error: errorMessage(e) };
    }
    setHistory((list) => list.map((x) => (x.id === id ? done : x)));
  };

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const text = question.trim();
    if (!text || text.length > QUESTION_MAX || pending) return;
    setQuestion('');
    void ask(text);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  const tooLong = question.trim().length > QUESTION_MAX;

  return (
    <Card
      title="Try the bot"
      headingId="try-bot-heading"
      description="Ask what a visitor would ask, and see the answer with what it came from. Uses the saved settings; nothing is stored and no workflow runs."
      actions={
        history.length > 0 ? (
          <Button size="sm" variant="ghost" onClick={() => setHistory(() => [])} disabled={pending}>
            Clear
          </Button>
        ) : undefined
      }
      className="try-bot"
    >
      {history.length === 0 ? (
        <p className="try-empty">
          No questions yet. Ask one below, for example one your visitors often ask, to check that the bot finds the right passage.
        </p>
      ) : (
        <ol className="try-log" aria-label="Questions and answers" ref={logRef}>
          {history.map((x) => (
            <li key={x.id} className="try-exchange">
              <p className="try-question">
                <span className="sr-only">You asked: </span>
                {x.question}
              </p>
              {x.state === 'pending' ? (
                <div className="loading try-pending" role="status">
                  <span className="spinner" aria-hidden="true" />
                  <span>The bot is answering…</span>
                </div>
              ) : x.state === 'failed' ? (
                <div className="alert alert-error try-failed" role="alert">
                  <span>Could not try the bot: {x.error}</span>
                  <Button size="sm" onClick={() => void ask(x.question, x.id)} disabled={pending}>
                    Ask again
                  </Button>
                </div>
              ) : (
                <TryAnswer result={x.result} />
              )}
            </li>
          ))}
        </ol>
      )}

      <form className="try-ask" onSubmit={submit} aria-label="Ask the bot">
        <Textarea
          aria-label="Question"
          aria-invalid={tooLong || undefined}
          rows={2}
          placeholder="e.g. How long does shipping take?"
          value={question}
          onChange={(e) => setQuestion(e.target.value)}
          onKeyDown={onKeyDown}
        />
        <Button type="submit" variant="primary" loading={pending} disabled={!question.trim() || tooLong}>
          Ask
        </Button>
      </form>
      <p className={tooLong ? 'field-error try-hint' : 'field-hint try-hint'}>
        {tooLong ? `At most ${QUESTION_MAX.toLocaleString('en-US')} characters.` : 'Enter asks; Shift+Enter starts a new line.'}
      </p>
    </Card>
  );
}

function TryAnswer({ result }: { result: TryResult }) {
  const outcome = outcomeOf(result.outcome);
  const meter = relevanceMeter(result.relevance, result.relevance_bar);
  return (
    <article className="try-answer" aria-label="Answer">
      <div className="try-answer-head">
        <Badge tone={outcome.tone}>{outcome.label}</Badge>
        <span className="try-answer-meta">
          {result.model === 'extractive' ? 'No model' : result.model} · {result.latency_ms.toLocaleString('en-US')} ms
        </span>
      </div>
      <p className="try-answer-text">{result.answer}</p>
      {outcome.text && <p className="try-outcome">{outcome.text}</p>}

      <div className="relevance">
        <div className="relevance-label">
          <span>
            Relevance <strong>{formatScore(result.relevance)}</strong>, bar {formatScore(result.relevance_bar)}
          </span>
          <span className={meter.clears ? 'relevance-verdict relevance-clears' : 'relevance-verdict'}>
            {meter.clears ? 'clears the bar' : 'below the bar'}
          </span>
        </div>
        <div
          className={meter.clears ? 'relevance-track relevance-track-clears' : 'relevance-track'}
          role="meter"
          aria-label="Relevance"
          aria-valuemin={0}
          aria-valuemax={1}
          aria-valuenow={meter.value}
          aria-valuetext={meter.text}
        >
          <span className="relevance-fill" style={{ width: `${meter.value * 100}%` }} />
          <span className="relevance-mark" style={{ left: `${meter.bar * 100}%` }} aria-hidden="true" />
        </div>
      </div>

      {result.budget && (
        <div className="budget" aria-label="Prompt budget" role="group">
          <p className="budget-summary">{budgetSummary(result.budget)}</p>
          <div className="budget-bar" aria-hidden="true">
            {budgetParts(result.budget).map((part) => (
              <span key={part.key} className={`budget-part budget-${part.key}`} style={{ width: `${part.percent}%` }} />
            ))}
          </div>
          <ul className="budget-legend">
            {budgetParts(result.budget).map((part) => (
              <li key={part.key}>
                <span className={`budget-swatch budget-${part.key}`} aria-hidden="true" />
                {part.label}: {formatTokens(part.tokens)}
              </li>
            ))}
          </ul>
        </div>
      )}

      <p className="results-title">{passagesSummary(result)}</p>
      {result.passages.length > 0 && (
        <ul className="hit-list" aria-label="Passages">
          {result.passages.map((p, i) => (
            <li key={`${p.document_id}:${i}`} className="hit">
              <details className="passage">
                <summary>
                  <span className="hit-title">{passageTitle(p)}</span>
                  <span className="passage-tags">
                    <Badge tone={passageUse(p.sent, result.model).used ? 'success' : 'neutral'}>{passageUse(p.sent, result.model).label}</Badge>
                    <span className="hit-score" title="Score">
                      {formatScore(p.score)}
                    </span>
                  </span>
                </summary>
                <p className="hit-text passage-text">{p.text}</p>
              </details>
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}

/** Forgets every bot's questions (for tests, which share the module). */
export function forgetTryHistory() {
  sessionHistory.clear();
  listeners.forEach((listener) => listener());
}
