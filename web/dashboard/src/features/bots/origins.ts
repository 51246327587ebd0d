// Allowed origins are edited as text, one per line, and sent as a list.
// An empty list means the widget may be embedded on any origin.

/**
 * Text -> list: one origin per line (commas and spaces also separate), trimmed,
 * trailing slashes dropped, scheme and host lower-cased, duplicates removed
 * (first one wins), blank lines ignored.
 */
export function textToOrigins(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of text.split(/[\s,]+/)) {
    const origin = normalizeOrigin(raw);
    if (origin === '' || seen.has(origin)) continue;
    seen.add(origin);
    out.push(origin);
  }
  return out;
}

/** List -> text, one origin per line. */
export function originsToText(origins: readonly string[]): string {
  return origins.join('\n');
}

export function normalizeOrigin(raw: string): string {
  const trimmed = raw.trim().replace(/\/+$/, '');
  // Only scheme and host are case-insensitive; there is no path in an origin.
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/?#]*)$/.exec(trimmed);
  return m ? `${m[1]!.toLowerCase()}${m[2]!.toLowerCase()}` : trimmed;
}

/**
 * Checks one origin: http(s)://host[:port] with no path, query or fragment.
 * Returns an error message, or null when it is fine.
 */
export function originError(origin: string): string | null {
  const m = /^(https?):\/\/([^/?#\s]+)$/i.exec(origin);
  if (!m) {
    if (!/^https?:\/\//i.test(origin)) return `"${origin}" must start with http:// or https://`;
    return `"${origin}" must be an origin only (scheme, host and port, no path)`;
  }
  const hostPort = m[2]!;
  const portMatch = /:(\d*)$/.exec(hostPort);
  if (portMatch && !hostPort.endsWith(']')) {
    const port = Number(portMatch[1]);
    if (portMatch[1] === '' || port < 1 || port > 65535) return `"${origin}" has an invalid port`;
  }
  const host = portMatch && !hostPort.endsWith(']') ? hostPort.slice(0, -portMatch[0].length) : hostPort;
  if (host === '' || !/^(\[[0-9a-f:.]+\]|[a-z0-9*]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/i.test(host)) {
    return `"${origin}" has an invalid host`;
  }
  return null;
}

/** The first problem in an origins text box, or null. */
export function originsTextError(text: string): string | null {
  for (const origin of textToOrigins(text)) {
    const problem = originError(origin);
    if (problem) return problem;
  }
  return null;
}
