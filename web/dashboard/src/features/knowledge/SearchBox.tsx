import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { errorMessage } from '../../api/errors';
import type { SearchResult } from '../../api/types';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { Input } from '../../ui/Input';

export function formatScore(score: number): string {
  return Number.isFinite(score) ? score.toFixed(2) : '—';
}

/** "Test retrieval": what the bot would find for a question. */
export function SearchBox({ botId }: { botId: string }) {
  const api = useApi();
  const [query, setQuery] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<{ query: string; data: SearchResult } | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const q = query.trim();
    if (!q) return;
    setBusy(true);
    setError(null);
    try {
      setResult({ query: q, data: await api.documents.search(botId, q) });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="Test retrieval" headingId="retrieval-heading" description="Ask a question to see which FAQs and passages the bot finds.">
      <form className="search-form" onSubmit={submit} role="search" aria-label="Test retrieval">
        <Input
          type="search"
          aria-label="Question"
          placeholder="e.g. How long does shipping take?"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <Button type="submit" variant="primary" loading={busy} disabled={!query.trim()}>
          Search
        </Button>
      </form>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <div className="search-results" aria-live="polite" aria-label="Retrieval results" role="region">
          <h3 className="results-title">FAQ matches</h3>
          {result.data.faqs.length === 0 ? (
            <p className="muted small">No FAQ matches.</p>
          ) : (
            <ul className="hit-list">
              {result.data.faqs.map((hit) => (
                <li key={hit.faq.id} className="hit">
                  <div className="hit-head">
                    <span className="hit-title">{hit.faq.question}</span>
                    <span className="hit-score" title="Score">
                      {formatScore(hit.score)}
                    </span>
                  </div>
                  <p className="hit-text">{hit.faq.answer}</p>
                </li>
              ))}
            </ul>
          )}
          <h3 className="results-title">Passages</h3>
          {result.data.passages.length === 0 ? (
            <p className="muted small">No passages found for “{result.query}”.</p>
          ) : (
            <ul className="hit-list">
              {result.data.passages.map((p) => (
                <li key={p.chunk_id} className="hit">
                  <div className="hit-head">
                    <span className="hit-title">
                      {p.document_name}
                      {p.heading && <span className="hit-heading"> · {p.heading}</span>}
                    </span>
                    <span className="hit-score" title="Score">
                      {formatScore(p.score)}
                    </span>
                  </div>
                  <p className="hit-text">{p.text}</p>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </Card>
  );
}
