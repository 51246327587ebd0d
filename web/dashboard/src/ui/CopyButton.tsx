import { useEffect, useState, type RefObject } from 'react';
import { Button } from './Button';
import { copyText } from './clipboard';

export interface CopyButtonProps {
  text: string;
  /** Element whose text gets selected when the clipboard cannot be used. */
  fallbackRef?: RefObject<HTMLElement | null>;
  label?: string;
  /** Accessible name, e.g. "Copy embed snippet". */
  ariaLabel?: string;
}

export function CopyButton({ text, fallbackRef, label = 'Copy', ariaLabel }: CopyButtonProps) {
  const [state, setState] = useState<'idle' | 'copied' | 'selected' | 'failed'>('idle');

  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(t);
  }, [state]);

  const shown =
    state === 'copied' ? 'Copied' : state === 'selected' ? 'Press Ctrl+C' : state === 'failed' ? 'Copy failed' : label;
  return (
    <Button size="sm" aria-label={ariaLabel} onClick={async () => setState(await copyText(text, fallbackRef?.current))}>
      <span aria-live="polite">{shown}</span>
    </Button>
  );
}
