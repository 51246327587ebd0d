/** A vendor's receipt in an integration step's output, in words (`null` for other steps). */
export type Receipt = { text: string; href?: string };

export function receiptOf(output: unknown): Receipt | null {
  if (!output || typeof output !== 'object') return null;
  const o = output as Record<string, unknown>;
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const earlier = o.reconciled === true ? ' (found from an earlier attempt)' : '';
  const href = str('url');
  if (str('ts')) return { text: `Slack message ${str('ts')} in ${str('channel') ?? 'the channel'}${earlier}` };
  if (str('deal_id')) return { text: `HubSpot deal ${str('deal_id')}${o.created === true ? ', created' : ', updated'}`, href };
  if (str('contact_id')) return { text: `HubSpot contact ${str('contact_id')}${o.created === true ? ', created' : ', updated'}`, href };
  if (str('updatedRange')) return { text: `Sheets rows ${str('updatedRange')}` };
  if (o.reconciled === true && str('run_id')) return { text: `Sheets row already written${earlier}` };
  return null;
}
