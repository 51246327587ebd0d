// Forms generated from the action catalog (GET /api/v1/workflow-actions): each parameter's
// kind picks its control, so an action added in Rust shows up in the builder with no UI
// change. Values are kept as the graph stores them (string, number or bool).
import type { ActionSpec, ParamSpec } from './contract';

export type Control = 'text' | 'textarea' | 'number' | 'checkbox' | 'select' | 'url' | 'json';

export interface ParamField {
  name: string;
  label: string;
  required: boolean;
  control: Control;
  /** For `select`: the allowed words. */
  options: string[];
  /** Whether `{{path}}` templates are allowed (and autocompleted). */
  templates: boolean;
  hint?: string;
}

/** Parameters whose text is long enough for a multi-line box. */
const LONG_TEXT = new Set(['text', 'reason', 'payload', 'values']);

/** `spreadsheet_id` → "Spreadsheet id". */
export function paramLabel(name: string): string {
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function field(p: ParamSpec, required: boolean): ParamField {
  const base = { name: p.name, label: paramLabel(p.name), required, options: [] as string[] };
  switch (p.kind.type) {
    case 'text':
      return { ...base, control: LONG_TEXT.has(p.name) ? 'textarea' : 'text', templates: true };
    case 'number':
      return { ...base, control: 'number', templates: true, hint: 'A number, or a template like {{lead.budget}}.' };
    case 'bool':
      return { ...base, control: 'checkbox', templates: false };
    case 'url':
      return {
        ...base,
        control: 'url',
        templates: true,
        hint: 'Write the scheme and host out (https://…); templates may fill the path or query.',
      };
    case 'json':
      return {
        ...base,
        control: 'json',
        templates: true,
        hint: 'A JSON document. Put {{path}} inside quotes for text, outside for the value itself.',
      };
    case 'enum':
      return { ...base, control: 'select', options: p.kind.values, templates: false };
  }
}

/** The form of an action: required parameters first, then optional ones. */
export function actionFields(spec: ActionSpec): ParamField[] {
  return [...spec.required.map((p) => field(p, true)), ...spec.optional.map((p) => field(p, false))];
}

/** What a control shows for a stored value. */
export function displayValue(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : String(value);
}

/**
 * The stored value of what was typed: numbers as numbers (a template stays text), an
 * empty box as nothing (the key is dropped).
 */
export function parseValue(f: ParamField, input: string | boolean): string | number | boolean | undefined {
  if (f.control === 'checkbox') return typeof input === 'boolean' ? input : input === 'true';
  const text = String(input);
  if (text.trim() === '') return undefined;
  if (f.control === 'number') {
    const n = Number(text);
    return text.trim() !== '' && Number.isFinite(n) && !text.includes('{{') ? n : text;
  }
  return text;
}

/** Params with `name` set to `value` (or removed when undefined), as a new object. */
export function setParam(
  params: Record<string, string | number | boolean> | undefined,
  name: string,
  value: string | number | boolean | undefined,
): Record<string, string | number | boolean> {
  const next = { ...(params ?? {}) };
  if (value === undefined) delete next[name];
  else next[name] = value;
  return next;
}

/** Problems the form can see before saving: a required parameter left empty, JSON that does not parse. */
export function localProblems(spec: ActionSpec, params: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of actionFields(spec)) {
    const v = params?.[f.name];
    if (f.required && (v === undefined || v === '')) out[f.name] = `${f.label} is required.`;
    if (f.control === 'json' && typeof v === 'string' && v.trim()) {
      // Placeholders stand for values; fill them like the compiler does before parsing.
      const filled = v.replace(/"([^"\\]|\\.)*"/g, (s) => s.replace(/\{\{[^}]*\}\}/g, '')).replace(/\{\{[^}]*\}\}/g, 'null');
      try {
        JSON.parse(filled);
      } catch {
        out[f.name] = `${f.label} is not valid JSON.`;
      }
    }
  }
  return out;
}

/** The provider (GET /api/v1/integrations) an action's `needs_integration` is served by. */
export function providerOf(integration: string): { id: string; name: string } {
  switch (integration) {
    case 'google_sheets':
    case 'google':
      return { id: 'google', name: 'Google Sheets' };
    case 'hubspot':
      return { id: 'hubspot', name: 'HubSpot' };
    case 'slack':
      return { id: 'slack', name: 'Slack' };
    default:
      return { id: integration, name: integration.charAt(0).toUpperCase() + integration.slice(1) };
  }
}
