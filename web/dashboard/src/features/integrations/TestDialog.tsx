import { useState, type FormEvent, type ReactNode } from 'react';
import { useApi } from '../../api/context';
import { errorMessage } from '../../api/errors';
import { useResource } from '../../lib/useResource';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { Input, Select } from '../../ui/Input';
import { Dialog } from '../../ui/Modal';
import { LoadError, Loading } from '../../ui/Page';
import {
  INTEGRATIONS_PATH,
  providerPath,
  type Provider,
  type SlackChannels,
  type SpreadsheetSheets,
  type TestAnswer,
  type TestInput,
} from './contract';
import { receiptEntries, spreadsheetId } from './integrations';

/**
 * "Send a test": one real call through the connection (Slack posts a message, HubSpot
 * reads the portal, Google appends a row) and the vendor's receipt. `onTested` lets the
 * page fetch the connection again, whatever the outcome: a success moves "last success",
 * a refusal may have turned it into "needs reconnect".
 */
export function TestDialog({ provider, open, onClose, onTested }: { provider: Provider; open: boolean; onClose: () => void; onTested: () => void }) {
  const [busy, setBusy] = useState(false);
  return (
    <Dialog open={open} onClose={onClose} busy={busy} size="md" title={`Send a test to ${provider.name}`} description={DESCRIPTIONS[provider.provider]}>
      {/* Mounted on each opening: a fresh picker and no receipt from last time. */}
      {open && <TestBody provider={provider} busy={busy} setBusy={setBusy} onClose={onClose} onTested={onTested} />}
    </Dialog>
  );
}

const DESCRIPTIONS: Record<Provider['provider'], string> = {
  slack: 'Parley posts a short test message to the channel you pick.',
  hubspot: 'Parley reads your HubSpot portal’s details; nothing is written.',
  google: 'Parley appends one test row at the end of the sheet you pick.',
};

interface BodyProps {
  provider: Provider;
  busy: boolean;
  setBusy: (busy: boolean) => void;
  onClose: () => void;
  onTested: () => void;
}

function TestBody({ provider, busy, setBusy, onClose, onTested }: BodyProps) {
  const api = useApi();
  const [answer, setAnswer] = useState<TestAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async (body: TestInput) => {
    setBusy(true);
    setError(null);
    setAnswer(null);
    try {
      setAnswer(await api.send<TestAnswer>('POST', providerPath(provider.provider, 'test'), { body }));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
      onTested();
    }
  };

  const result = (
    <>
      {error && (
        <div className="alert alert-error" role="alert">
          {provider.name} did not take the test: {error}
        </div>
      )}
      {answer && <Receipt answer={answer} />}
    </>
  );
  const close = (
    <Button onClick={onClose} disabled={busy}>
      {answer ? 'Done' : 'Cancel'}
    </Button>
  );

  switch (provider.provider) {
    case 'slack':
      return <SlackTest busy={busy} run={run} close={close} result={result} />;
    case 'hubspot':
      return (
        <div className="form-stack">
          {result}
          <div className="modal-actions">
            {close}
            <Button variant="primary" loading={busy} onClick={() => run({})}>
              Read the portal
            </Button>
          </div>
        </div>
      );
    case 'google':
      return <SheetsTest busy={busy} run={run} close={close} result={result} />;
  }
}

interface TestProps {
  busy: boolean;
  run: (body: TestInput) => Promise<void>;
  close: ReactNode;
  result: ReactNode;
}

/** A channel from conversations.list (stored by id), then one message. */
function SlackTest({ busy, run, close, result }: TestProps) {
  const api = useApi();
  const channels = useResource(
    async () => (await api.send<SlackChannels>('GET', `${INTEGRATIONS_PATH}/slack/channels`)).channels,
    'slack-channels',
  );
  const [channel, setChannel] = useState('');
  const [missing, setMissing] = useState<string | undefined>(undefined);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!channel) {
      setMissing('Pick a channel');
      return;
    }
    void run({ channel });
  };

  if (channels.data === undefined) {
    return channels.error !== undefined ? (
      <div className="form-stack">
        <LoadError error={channels.error} onRetry={channels.reload} />
        <div className="modal-actions">{close}</div>
      </div>
    ) : (
      <Loading label="Loading channels" />
    );
  }
  if (channels.data.length === 0) {
    return (
      <div className="form-stack">
        <p className="card-text">
          Parley’s Slack app sees no channels. Add the app to a channel in Slack (open the channel, then Integrations, Add an app), then
          look again.
        </p>
        <div className="modal-actions">
          {close}
          <Button onClick={channels.reload}>Look again</Button>
        </div>
      </div>
    );
  }
  return (
    <form className="form-stack" onSubmit={submit} noValidate>
      <Field label="Channel" error={missing} hint="Private channels are listed only when the app is a member.">
        {(p) => (
          <Select
            {...p}
            value={channel}
            onChange={(e) => {
              setChannel(e.target.value);
              setMissing(undefined);
            }}
          >
            <option value="">Pick a channel</option>
            {channels.data!.map((c) => (
              <option key={c.id} value={c.id}>
                {c.is_private ? `🔒 ${c.name} (private)` : `#${c.name}`}
              </option>
            ))}
          </Select>
        )}
      </Field>
      {result}
      <div className="modal-actions">
        {close}
        <Button type="submit" variant="primary" loading={busy}>
          Send test message
        </Button>
      </div>
    </form>
  );
}

/** A spreadsheet (its id or address), its sheets from the API, then one appended row. */
function SheetsTest({ busy, run, close, result }: TestProps) {
  const api = useApi();
  const [raw, setRaw] = useState('');
  const [found, setFound] = useState<(SpreadsheetSheets & { id: string }) | null>(null);
  const [sheet, setSheet] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const [finding, setFinding] = useState(false);

  const find = async () => {
    const id = spreadsheetId(raw);
    setFound(null);
    if (id === '') {
      setFieldError('Paste the spreadsheet’s address or its ID');
      return;
    }
    setFieldError(undefined);
    setFinding(true);
    try {
      const answer = await api.send<SpreadsheetSheets>('GET', `${INTEGRATIONS_PATH}/google/spreadsheets/${encodeURIComponent(id)}/sheets`);
      setFound({ ...answer, id });
      setSheet(answer.sheets[0]?.title ?? '');
    } catch (e) {
      setFieldError(errorMessage(e));
    } finally {
      setFinding(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!found) {
      void find();
      return;
    }
    void run({ spreadsheet_id: found.id, sheet });
  };

  return (
    <form className="form-stack" onSubmit={submit} noValidate>
      <Field
        label="Spreadsheet"
        error={fieldError}
        hint="Its address (docs.google.com/spreadsheets/d/…) or the ID in it. The Google account you connected must be able to edit it."
      >
        {(p) => (
          <div className="integration-inline">
            <Input
              {...p}
              name="spreadsheet"
              className="mono"
              autoComplete="off"
              spellCheck={false}
              value={raw}
              onChange={(e) => {
                setRaw(e.target.value);
                setFound(null);
                setFieldError(undefined);
              }}
            />
            <Button onClick={find} loading={finding} disabled={busy}>
              Find sheets
            </Button>
          </div>
        )}
      </Field>
      {found &&
        (found.sheets.length === 0 ? (
          <p className="card-text">“{found.title}” has no sheets. Add one in Google Sheets, then find again.</p>
        ) : (
          <Field label="Sheet" hint={`In “${found.title}”.`}>
            {(p) => (
              <Select {...p} value={sheet} onChange={(e) => setSheet(e.target.value)}>
                {found.sheets.map((s) => (
                  <option key={s.id} value={s.title}>
                    {s.title}
                  </option>
                ))}
              </Select>
            )}
          </Field>
        ))}
      {result}
      <div className="modal-actions">
        {close}
        <Button type="submit" variant="primary" loading={busy} disabled={!found || sheet === ''}>
          Append test row
        </Button>
      </div>
    </form>
  );
}

/** What the vendor answered: the server's sentence and the receipt's fields (ts, ids, updatedRange). */
function Receipt({ answer }: { answer: TestAnswer }) {
  const entries = receiptEntries(answer.receipt);
  return (
    <section className="integration-receipt" role="region" aria-label="Test receipt">
      <p className="integration-receipt-message">
        <span aria-hidden="true">✓ </span>
        {answer.message}
      </p>
      {entries.length > 0 && (
        <dl className="integration-receipt-fields">
          {entries.map(([key, value]) => (
            <div key={key}>
              <dt>{key}</dt>
              <dd className="mono">{value}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
