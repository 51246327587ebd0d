import { useId, useRef, useState, type KeyboardEvent } from 'react';
import type { FieldControlProps } from '../../ui/Field';
import { applySuggestion, openPath, openTemplate, suggest, type Open } from './templateComplete';

export interface TemplateFieldProps extends FieldControlProps {
  value: string;
  onChange: (value: string) => void;
  /** `template`: suggestions after `{{`; `expression`: for any path being typed. */
  mode: 'template' | 'expression';
  multiline?: boolean;
  placeholder?: string;
  mono?: boolean;
}

/**
 * A text box that suggests context paths (`visitor.email`, `lead.score`) as a combobox:
 * arrows move through them, Enter or Tab takes one, Escape closes the list.
 */
export function TemplateField({ value, onChange, mode, multiline, placeholder, mono, ...control }: TemplateFieldProps) {
  const listId = useId();
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [open, setOpen] = useState<Open | null>(null);
  const [active, setActive] = useState(0);
  const options = open ? suggest(open.prefix) : [];
  const expanded = options.length > 0;

  const look = (text: string, caret: number) => {
    const found = mode === 'template' ? openTemplate(text, caret) : openPath(text, caret);
    setOpen(found);
    setActive(0);
  };

  const take = (path: string) => {
    const el = ref.current;
    if (!el || !open) return;
    const next = applySuggestion(value, el.selectionStart ?? value.length, open, path, mode === 'template');
    onChange(next.text);
    setOpen(null);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(next.caret, next.caret);
    });
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (!expanded) return;
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setActive((i) => (i + 1) % options.length);
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActive((i) => (i - 1 + options.length) % options.length);
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      event.preventDefault();
      take(options[active]!);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      setOpen(null);
    }
  };

  const shared = {
    ...control,
    ref,
    value,
    placeholder,
    role: 'combobox',
    'aria-autocomplete': 'list' as const,
    'aria-expanded': expanded,
    'aria-controls': listId,
    'aria-activedescendant': expanded ? `${listId}-${active}` : undefined,
    className: ['input', multiline ? 'textarea' : '', mono ? 'wf-mono' : ''].filter(Boolean).join(' '),
    spellCheck: false,
    onKeyDown,
    onBlur: () => setOpen(null),
    onChange: (e: { target: { value: string; selectionStart: number | null } }) => {
      onChange(e.target.value);
      look(e.target.value, e.target.selectionStart ?? e.target.value.length);
    },
  };

  return (
    <div className="wf-complete">
      {multiline ? <textarea rows={3} {...shared} /> : <input type="text" {...shared} />}
      <ul id={listId} role="listbox" aria-label="Context paths" className="wf-complete-list" hidden={!expanded}>
        {options.map((path, i) => (
          <li
            key={path}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === active}
            className={i === active ? 'wf-complete-option wf-complete-active' : 'wf-complete-option'}
            // mousedown, not click: the box would lose focus (and close the list) first.
            onMouseDown={(e) => {
              e.preventDefault();
              take(path);
            }}
          >
            {path}
          </li>
        ))}
      </ul>
    </div>
  );
}
