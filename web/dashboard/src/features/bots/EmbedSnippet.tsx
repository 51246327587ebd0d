import { useRef } from 'react';
import { Card } from '../../ui/Card';
import { CopyButton } from '../../ui/CopyButton';

export function EmbedSnippet({ snippet }: { snippet: string }) {
  const codeRef = useRef<HTMLElement>(null);
  return (
    <Card
      title="Embed snippet"
      headingId="embed-heading"
      description={
        <>
          Paste this before <code>&lt;/body&gt;</code> on every page where the chat should appear.
        </>
      }
      actions={<CopyButton text={snippet} fallbackRef={codeRef} ariaLabel="Copy embed snippet" />}
    >
      <pre className="code-block" aria-label="Embed snippet code">
        <code ref={codeRef}>{snippet}</code>
      </pre>
    </Card>
  );
}
