import { useEffect, useRef, useState, type DragEvent, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { CSRF_HEADER } from '../../api/client';
import { errorMessage } from '../../api/errors';
import { postFile } from '../../api/upload';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { Field } from '../../ui/Field';
import { Input, Select } from '../../ui/Input';
import { VISION_KINDS, analyzeFields, fileProblem, resultRows } from './vision';
import './vision.css';

interface Analysis {
  kind: string;
  status: string;
  method: string | null;
  provider: string | null;
  result: Record<string, unknown> | null;
  summary: string | null;
  error: string | null;
  normalize_ms: number | null;
  analyze_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
}

interface VisionCheck {
  ok: boolean;
  reply: string | null;
  error: string | null;
  model: string;
  latency_ms: number;
}

/**
 * What the bot sees in images: "Test vision" sends the saved model a red square and asks
 * its colour; "Try it" analyses a dropped image now (POST /api/v1/vision/analyze) with this
 * bot's vision model, or offline when it has none, and shows the typed result with a
 * count's boxes over the image. Nothing here touches a conversation.
 */
export function VisionCard({ botId, manage, vision }: { botId: string; manage: boolean; vision: boolean }) {
  const api = useApi();
  const [check, setCheck] = useState<VisionCheck | null>(null);
  const [checkError, setCheckError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [kind, setKind] = useState('condition');
  const [question, setQuestion] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [result, setResult] = useState<Analysis | null>(null);
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  // A data: URL, not a blob: one: the dashboard's Content-Security-Policy allows images
  // from 'self' and data: only.
  useEffect(() => {
    if (!file) return;
    let live = true;
    const reader = new FileReader();
    reader.onload = () => {
      if (live && typeof reader.result === 'string') setPreview(reader.result);
    };
    reader.readAsDataURL(file);
    return () => {
      live = false;
    };
  }, [file]);

  const pick = (f: File | undefined) => {
    if (!f) return;
    const why = fileProblem(f);
    setProblem(why);
    setResult(null);
    setFile(why ? null : f);
  };

  const test = async () => {
    setChecking(true);
    setCheckError(null);
    try {
      setCheck(await api.send<VisionCheck>('POST', `/api/v1/bots/${encodeURIComponent(botId)}/vision/test`));
    } catch (e) {
      setCheck(null);
      setCheckError(errorMessage(e));
    } finally {
      setChecking(false);
    }
  };

  const analyse = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) {
      setProblem('Choose or drop an image first.');
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const token = api.getCsrfToken();
      const answer = await postFile<{ analysis: Analysis }>({
        url: '/api/v1/vision/analyze',
        field: 'image',
        file,
        fields: analyzeFields(botId, kind, question),
        headers: token ? { [CSRF_HEADER]: token } : {},
      }).promise;
      setResult(answer.analysis);
    } catch (err) {
      setResult(null);
      setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const drop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    pick(e.dataTransfer.files[0]);
  };

  const boxes = result?.result?.kind === 'count' && Array.isArray(result.result.boxes) ? (result.result.boxes as { x: number; y: number; width: number; height: number }[]) : [];
  const rows = resultRows(result?.result ?? null);

  return (
    <Card
      title="Image analysis"
      headingId="vision-heading"
      description={
        vision
          ? 'Visitors’ photos go to this bot’s model (it is marked “Sees images”). Invoices are read with OCR first, blurry return photos are sent back before any call.'
          : 'This bot’s model is not marked “Sees images”: photos are analysed offline (invoice OCR, count estimates, a photo-quality check for returns). Mark a vision model in Model to judge condition.'
      }
      actions={
        manage ? (
          <Button size="sm" onClick={() => void test()} loading={checking}>
            Test vision
          </Button>
        ) : undefined
      }
    >
      {(check || checkError) && (
        <p className={`vision-check ${check?.ok ? 'vision-check-ok' : 'vision-check-bad'}`} role="status">
          {check?.ok ? (
            <>
              <Badge tone="success">sees images</Badge> {check.model} answered “{check.reply}” in {check.latency_ms} ms.
            </>
          ) : (
            <>
              <Badge tone="danger">not working</Badge> {check?.error ?? checkError}
            </>
          )}
        </p>
      )}
      {manage ? (
        <form className="vision-try" onSubmit={analyse} aria-label="Try image analysis">
          <div
            className={`vision-drop ${over ? 'vision-drop-over' : ''}`}
            onDragOver={(e) => {
              e.preventDefault();
              setOver(true);
            }}
            onDragLeave={() => setOver(false)}
            onDrop={drop}
          >
            {preview && file ? (
              <div className="vision-photo">
                <img src={preview} alt={file.name} />
                {boxes.map((b, i) => (
                  <span key={i} className="vision-box" aria-hidden="true" style={{ left: `${b.x * 100}%`, top: `${b.y * 100}%`, width: `${b.width * 100}%`, height: `${b.height * 100}%` }} />
                ))}
              </div>
            ) : (
              <p className="muted">Drop a photo here, or choose one.</p>
            )}
            <Button size="sm" onClick={() => input.current?.click()}>
              {file ? 'Choose another image' : 'Choose an image'}
            </Button>
            <input
              ref={input}
              type="file"
              accept="image/jpeg,image/png,image/webp,image/gif,image/heic"
              hidden
              aria-label="Image to analyse"
              onChange={(e) => pick(e.target.files?.[0])}
            />
          </div>
          <div className="vision-options">
            <Field label="Look for">
              {(p) => (
                <Select {...p} value={kind} onChange={(e) => setKind(e.target.value)}>
                  {VISION_KINDS.map((k) => (
                    <option key={k.value} value={k.value}>
                      {k.label}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
            {(kind === 'describe' || kind === 'count') && (
              <Field label={kind === 'count' ? 'What to count' : 'Question'} aside="optional">
                {(p) => <Input {...p} value={question} maxLength={500} onChange={(e) => setQuestion(e.target.value)} placeholder={kind === 'count' ? 'e.g. boxes' : 'e.g. Is the seal broken?'} />}
              </Field>
            )}
            <Button type="submit" variant="primary" loading={busy} disabled={!file}>
              Analyse
            </Button>
          </div>
          {problem && (
            <p className="field-error" role="alert">
              {problem}
            </p>
          )}
          {result && (
            <div className="vision-result" aria-label="Analysis result">
              <p>
                <Badge tone={result.status === 'done' ? 'success' : result.status === 'unavailable' ? 'warning' : 'danger'}>{result.status}</Badge>{' '}
                <strong>{result.summary ?? result.error ?? 'No result'}</strong>
              </p>
              {rows.length > 0 && (
                <dl className="vision-rows">
                  {rows.map(([k, v]) => (
                    <div key={k}>
                      <dt>{k}</dt>
                      <dd>{v}</dd>
                    </div>
                  ))}
                </dl>
              )}
              <p className="muted small">
                {result.method === 'model' ? `Vision model ${result.provider ?? ''}` : `Offline (${result.provider ?? 'none'})`}
                {result.normalize_ms !== null ? ` · prepared in ${result.normalize_ms} ms` : ''}
                {result.analyze_ms !== null ? ` · analysed in ${result.analyze_ms} ms` : ''}
                {result.prompt_tokens !== null ? ` · ${result.prompt_tokens + (result.completion_tokens ?? 0)} tokens` : ''}
              </p>
            </div>
          )}
        </form>
      ) : (
        <p className="muted small">Admins can try image analysis here.</p>
      )}
    </Card>
  );
}
