import { useCallback, useEffect, useReducer, useRef, useState, type DragEvent } from 'react';
import { useApi } from '../../api/context';
import { ApiError, errorMessage } from '../../api/errors';
import type { Bot, Document, DocumentList } from '../../api/types';
import { canManage, useMe } from '../../lib/session';
import { useResource } from '../../lib/useResource';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { Field } from '../../ui/Field';
import { formatDateTime, formatRelative } from '../../ui/format';
import { Input } from '../../ui/Input';
import { ConfirmDialog } from '../../ui/Modal';
import { LoadError, Loading } from '../../ui/Page';
import { Table } from '../../ui/Table';
import { useToast } from '../../ui/Toast';
import { ingestSummary, isIngesting, mergeDocument, statusLabel, statusTone } from './progress';
import { SearchBox } from './SearchBox';
import {
  ACCEPTED_TYPES,
  SOURCE_URL_PROBLEM,
  checkSourceUrl,
  formatBytes,
  nextToStart,
  uploadPercent,
  uploadsReducer,
  type UploadEntry,
} from './uploads';

/** How often the document list is refreshed while something is being ingested. */
export const POLL_MS = 1500;

let uploadSeq = 0;

/** /bots/:id/knowledge, inside the app's bot sub-page frame (header and tabs). */
export function KnowledgePage({ bot }: { bot: Bot }) {
  const api = useApi();
  const me = useMe();
  const toast = useToast();
  const manage = canManage(me.role);
  const docs = useResource(() => api.documents.list(bot.id), `documents:${bot.id}`);
  const [uploads, dispatch] = useReducer(uploadsReducer, []);
  const [deleting, setDeleting] = useState<Document | null>(null);
  const [sourceUrl, setSourceUrl] = useState('');
  const [sourceUrlError, setSourceUrlError] = useState<string | undefined>(undefined);
  const sourceUrlInput = useRef<HTMLInputElement>(null);
  const aborts = useRef(new Map<string, () => void>());

  const { setData: setDocs } = docs;
  const latest = useRef<DocumentList | undefined>(undefined);
  latest.current = docs.data;

  const addDocument = useCallback(
    (doc: Document) => {
      const current = latest.current;
      if (!current) return;
      setDocs({
        items: mergeDocument(current.items, doc),
        progress: current.items.some((d) => d.id === doc.id)
          ? current.progress
          : { ...current.progress, documents_total: current.progress.documents_total + 1 },
      });
    },
    [setDocs],
  );

  // Start queued uploads, a few at a time.
  useEffect(() => {
    for (const entry of nextToStart(uploads)) {
      dispatch({ type: 'start', key: entry.key });
      const request = api.documents.upload(bot.id, entry.file, {
        sourceUrl: entry.sourceUrl,
        onProgress: ({ loaded, total }) => dispatch({ type: 'progress', key: entry.key, loaded, total }),
      });
      aborts.current.set(entry.key, request.abort);
      request.promise
        .then((result) => {
          const item = result.items[0];
          dispatch({ type: 'done', key: entry.key, document: item?.document ?? null, error: item?.error ?? null });
          if (item?.document) addDocument(item.document);
        })
        .catch((e) => {
          if (e instanceof ApiError && e.fields.source_url !== undefined) {
            setSourceUrlError(SOURCE_URL_PROBLEM);
            dispatch({ type: 'failed', key: entry.key, error: 'Not uploaded: the source URL was not accepted.' });
            return;
          }
          dispatch({ type: 'failed', key: entry.key, error: errorMessage(e) });
        })
        .finally(() => aborts.current.delete(entry.key));
    }
  }, [uploads, api, bot.id, addDocument]);

  // Cancel uploads still running when the page goes away.
  useEffect(() => {
    const pending = aborts.current;
    return () => pending.forEach((abort) => abort());
  }, []);

  const ingesting = docs.data ? isIngesting(docs.data.items) : false;
  const { reload } = docs;
  useEffect(() => {
    if (!ingesting) return;
    const timer = setInterval(() => void reload(), POLL_MS);
    return () => clearInterval(timer);
  }, [ingesting, reload]);

  const addFiles = (files: FileList | File[] | null) => {
    const list = files ? Array.from(files) : [];
    if (list.length === 0) return;
    const problem = checkSourceUrl(sourceUrl);
    if (problem) {
      setSourceUrlError(problem);
      sourceUrlInput.current?.focus();
      return;
    }
    dispatch({ type: 'add', files: list, keys: list.map(() => `u${++uploadSeq}`), sourceUrl });
  };

  const remove = async () => {
    if (!deleting) return;
    await api.documents.remove(bot.id, deleting.id);
    toast(`"${deleting.name}" deleted`);
    setDeleting(null);
    await docs.reload();
  };

  return (
    <div className="detail-grid">
      <div className="detail-main">
        {manage && (
          <Card title="Upload documents" headingId="upload-heading" description="Text, Markdown, HTML, PDF, DOCX or CSV, up to 20 MB each.">
            <Field
              label="Source URL"
              aside="Optional"
              hint="Where these files live on your site; answers citing them link there."
              error={sourceUrlError}
              className="upload-source"
            >
              {(control) => (
                <Input
                  {...control}
                  ref={sourceUrlInput}
                  type="url"
                  inputMode="url"
                  autoComplete="url"
                  placeholder="https://example.com/help/returns"
                  value={sourceUrl}
                  onChange={(e) => {
                    setSourceUrl(e.target.value);
                    setSourceUrlError(undefined);
                  }}
                />
              )}
            </Field>
            <DropZone onFiles={addFiles} />
            {uploads.length > 0 && (
              <UploadList
                uploads={uploads}
                onDismiss={(key) => dispatch({ type: 'dismiss', key })}
                onClear={() => dispatch({ type: 'clear-finished' })}
              />
            )}
          </Card>
        )}

        {docs.error !== undefined && docs.data === undefined ? (
          <LoadError error={docs.error} onRetry={docs.reload} />
        ) : docs.data === undefined ? (
          <Loading label="Loading documents" />
        ) : (
          <section className="section" aria-labelledby="documents-heading">
            <div className="section-header">
              <div>
                <h2 className="section-title" id="documents-heading">
                  Documents
                </h2>
                <div className="section-description">
                  <IngestStatus list={docs.data} />
                </div>
              </div>
            </div>
            <DocumentTable documents={docs.data.items} manage={manage} onDelete={setDeleting} />
          </section>
        )}
      </div>
      <aside className="detail-side detail-side-static" aria-label="Test retrieval">
        <SearchBox botId={bot.id} />
      </aside>

      <ConfirmDialog
        open={deleting !== null}
        title={`Delete "${deleting?.name ?? ''}"?`}
        confirmLabel="Delete document"
        onCancel={() => setDeleting(null)}
        onConfirm={remove}
      >
        <p>The document and its indexed passages are removed; the bot stops answering from it. This cannot be undone.</p>
      </ConfirmDialog>
    </div>
  );
}

function DropZone({ onFiles }: { onFiles: (files: FileList | null) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const depth = useRef(0);

  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');

  return (
    <div
      className={over ? 'dropzone dropzone-over' : 'dropzone'}
      data-testid="dropzone"
      onDragEnter={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        depth.current++;
        setOver(true);
      }}
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={() => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setOver(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        depth.current = 0;
        setOver(false);
        onFiles(e.dataTransfer.files);
      }}
    >
      <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" className="dropzone-icon">
        <path
          fill="currentColor"
          d="M12 3a1 1 0 0 1 .7.29l4 4a1 1 0 1 1-1.4 1.42L13 6.41V15a1 1 0 1 1-2 0V6.41L8.7 8.7a1 1 0 0 1-1.4-1.42l4-4A1 1 0 0 1 12 3ZM5 14a1 1 0 0 1 1 1v3a1 1 0 0 0 1 1h10a1 1 0 0 0 1-1v-3a1 1 0 1 1 2 0v3a3 3 0 0 1-3 3H7a3 3 0 0 1-3-3v-3a1 1 0 0 1 1-1Z"
        />
      </svg>
      <p className="dropzone-text">
        <span className="strong">Drop files here</span> <span className="muted">or</span>
      </p>
      <Button size="sm" onClick={() => input.current?.click()}>
        Choose files
      </Button>
      <input
        ref={input}
        type="file"
        multiple
        accept={ACCEPTED_TYPES}
        className="sr-only"
        aria-label="Upload files"
        tabIndex={-1}
        onChange={(e) => {
          onFiles(e.target.files);
          e.target.value = '';
        }}
      />
    </div>
  );
}

function uploadState(entry: UploadEntry): string {
  switch (entry.status) {
    case 'waiting':
      return 'Waiting';
    case 'uploading':
      return `Uploading ${uploadPercent(entry)}%`;
    case 'done':
      return 'Uploaded, queued for indexing';
    case 'failed':
      return entry.error ?? 'Failed';
  }
}

function UploadList({
  uploads,
  onDismiss,
  onClear,
}: {
  uploads: UploadEntry[];
  onDismiss: (key: string) => void;
  onClear: () => void;
}) {
  const finished = uploads.some((u) => u.status === 'done' || u.status === 'failed');
  return (
    <div className="upload-list-wrap">
      <ul className="upload-list" aria-label="Uploads">
        {uploads.map((u) => (
          <li key={u.key} className={`upload-item upload-${u.status}`}>
            <div className="upload-row">
              <span className="upload-name" title={u.name}>
                {u.name}
              </span>
              <span className="upload-size">{formatBytes(u.size)}</span>
              {(u.status === 'done' || u.status === 'failed') && (
                <button type="button" className="icon-button" aria-label={`Dismiss ${u.name}`} onClick={() => onDismiss(u.key)}>
                  ×
                </button>
              )}
            </div>
            <div
              className="progress"
              role="progressbar"
              aria-label={`Upload of ${u.name}`}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={uploadPercent(u)}
            >
              <span className="progress-bar" style={{ width: `${u.status === 'failed' ? 100 : uploadPercent(u)}%` }} />
            </div>
            <p className={u.status === 'failed' ? 'upload-state upload-error' : 'upload-state'} role={u.status === 'failed' ? 'alert' : undefined}>
              {uploadState(u)}
            </p>
          </li>
        ))}
      </ul>
      {finished && (
        <Button size="sm" variant="ghost" onClick={onClear}>
          Clear finished
        </Button>
      )}
    </div>
  );
}

function IngestStatus({ list }: { list: DocumentList }) {
  const s = ingestSummary(list.progress);
  const chunks = `${s.chunks} chunk${s.chunks === 1 ? '' : 's'} indexed`;
  if (!s.active) {
    return (
      <span aria-live="polite">
        {s.total} document{s.total === 1 ? '' : 's'} · {chunks}
        {s.failed > 0 && ` · ${s.failed} failed`}
      </span>
    );
  }
  return (
    <span className="ingest-status" aria-live="polite">
      <span>
        Indexing: {s.finished} of {s.total} documents done · {chunks}
        {s.failed > 0 && ` · ${s.failed} failed`}
      </span>
      <span
        className="progress progress-inline"
        role="progressbar"
        aria-label="Indexing progress"
        aria-valuemin={0}
        aria-valuemax={s.total}
        aria-valuenow={s.finished}
      >
        <span className="progress-bar" style={{ width: `${s.percent}%` }} />
      </span>
    </span>
  );
}

function DocumentTable({
  documents,
  manage,
  onDelete,
}: {
  documents: Document[];
  manage: boolean;
  onDelete: (doc: Document) => void;
}) {
  return (
    <Table<Document>
      label="Documents"
      rows={documents}
      rowKey={(d) => d.id}
      empty={
        <div className="empty-state">
          <p className="empty-title">No documents yet</p>
          <p className="empty-text">Upload help articles, policies or product sheets for the bot to answer from.</p>
        </div>
      }
      columns={[
        {
          key: 'name',
          header: 'Name',
          render: (d) => (
            <div className="doc-name">
              <span className="strong">{d.name}</span>
              <span className="doc-type">{d.content_type}</span>
              {d.source_url && /^https?:\/\//i.test(d.source_url) && (
                <a className="doc-source" href={d.source_url} target="_blank" rel="noopener noreferrer" title={d.source_url}>
                  <span className="sr-only">Source: </span>
                  {d.source_url.replace(/^https?:\/\//i, '')}
                </a>
              )}
            </div>
          ),
        },
        {
          key: 'status',
          header: 'Status',
          render: (d) => (
            <div className="doc-status">
              <Badge tone={statusTone(d.status)}>{statusLabel(d.status)}</Badge>
              {d.status === 'failed' && d.error && <p className="doc-error">{d.error}</p>}
            </div>
          ),
        },
        { key: 'chunks', header: 'Chunks', className: 'cell-num', render: (d) => d.chunk_count },
        { key: 'size', header: 'Size', className: 'cell-num', render: (d) => formatBytes(d.size_bytes) },
        {
          key: 'created',
          header: 'Added',
          render: (d) => (
            <time dateTime={d.created_at} title={formatDateTime(d.created_at)}>
              {formatRelative(d.created_at)}
            </time>
          ),
        },
        ...(manage
          ? [
              {
                key: 'actions',
                header: <span className="sr-only">Actions</span>,
                className: 'cell-actions',
                render: (d: Document) => (
                  <Button size="sm" variant="ghost" className="btn-danger-text" aria-label={`Delete ${d.name}`} onClick={() => onDelete(d)}>
                    Delete
                  </Button>
                ),
              },
            ]
          : []),
      ]}
    />
  );
}
