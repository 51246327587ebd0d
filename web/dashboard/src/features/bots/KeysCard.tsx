import { useRef, useState } from 'react';
import type { Bot, RotatableKey } from '../../api/types';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { CopyButton } from '../../ui/CopyButton';
import { ConfirmDialog } from '../../ui/Modal';

const ROTATE_TEXT: Record<RotatableKey, { title: string; body: string; done: string }> = {
  public_key: {
    title: 'Rotate public key?',
    body:
      'The current public key stops working as soon as it is replaced. Every site that embeds this bot must be ' +
      'updated with the new embed snippet, or its chat widget will stop loading.',
    done: 'Public key rotated. Update your embeds with the new snippet.',
  },
  identity_secret: {
    title: 'Rotate identity secret?',
    body:
      'Your backend signs visitor emails (userHash) with this secret. After rotating, update the secret on your ' +
      'server and any embeds that pass userHash; until then, identified visitors cannot see their earlier conversations.',
    done: 'Identity secret rotated. Update your backend with the new secret.',
  },
};

export function KeysCard({
  bot,
  manage,
  onRotate,
}: {
  bot: Bot;
  manage: boolean;
  onRotate: (key: RotatableKey) => Promise<void>;
}) {
  const [revealed, setRevealed] = useState(false);
  const [confirming, setConfirming] = useState<RotatableKey | null>(null);
  const publicRef = useRef<HTMLElement>(null);
  const secretRef = useRef<HTMLElement>(null);
  const secret = bot.identity_secret ?? null;

  return (
    <Card title="Keys" headingId="keys-heading" description="The public key identifies this bot to the widget.">
      <dl className="key-list">
        <div className="key-row">
          <dt>Public key</dt>
          <dd>
            <code ref={publicRef} className="mono-chip key-value">
              {bot.public_key}
            </code>
            <CopyButton text={bot.public_key} fallbackRef={publicRef} ariaLabel="Copy public key" />
          </dd>
        </div>
        {secret !== null && (
          <div className="key-row">
            <dt>Identity secret</dt>
            <dd>
              <code ref={secretRef} className="mono-chip key-value" aria-live="polite">
                {revealed ? secret : '•'.repeat(24)}
              </code>
              <Button size="sm" onClick={() => setRevealed((r) => !r)} aria-pressed={revealed}>
                {revealed ? 'Hide' : 'Reveal'}
              </Button>
              {revealed && <CopyButton text={secret} fallbackRef={secretRef} ariaLabel="Copy identity secret" />}
            </dd>
            <p className="field-hint">
              Keep this on your server. It signs visitor emails so they can see their own history.
            </p>
          </div>
        )}
      </dl>
      {manage && (
        <div className="button-row">
          <Button size="sm" onClick={() => setConfirming('public_key')}>
            Rotate public key
          </Button>
          {secret !== null && (
            <Button size="sm" onClick={() => setConfirming('identity_secret')}>
              Rotate identity secret
            </Button>
          )}
        </div>
      )}
      <ConfirmDialog
        open={confirming !== null}
        title={confirming ? ROTATE_TEXT[confirming].title : ''}
        confirmLabel="Rotate"
        onCancel={() => setConfirming(null)}
        onConfirm={async () => {
          if (!confirming) return;
          await onRotate(confirming);
          setConfirming(null);
        }}
      >
        <p>{confirming ? ROTATE_TEXT[confirming].body : ''}</p>
      </ConfirmDialog>
    </Card>
  );
}

export const rotatedMessage = (key: RotatableKey) => ROTATE_TEXT[key].done;
