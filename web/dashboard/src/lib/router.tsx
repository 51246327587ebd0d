// A deliberately tiny router: the dashboard has a handful of flat routes, all
// under the Vite base (/app/). Paths inside the app are written without it.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';
import { APP_BASE } from './base';

const BASE = APP_BASE.replace(/\/+$/, ''); // "/app"
const CHANGE = 'parley:navigate';

/** "/app/bots/1" -> "/bots/1"; "/app" and "/app/" -> "/". */
export function stripBase(pathname: string, base: string = BASE): string {
  if (base && (pathname === base || pathname.startsWith(`${base}/`))) {
    const rest = pathname.slice(base.length);
    return rest === '' ? '/' : rest;
  }
  return pathname || '/';
}

/** "/bots/1" -> "/app/bots/1" */
export function toHref(path: string, base: string = BASE): string {
  return `${base}${path.startsWith('/') ? path : `/${path}`}`;
}

/**
 * Matches "/bots/:id" against "/bots/42" -> { id: "42" }. Trailing slashes are
 * ignored; segments are URI-decoded; returns null when it does not match.
 */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const split = (p: string) => p.split('/').filter((s) => s !== '');
  const want = split(pattern);
  const got = split(path);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return null;
      }
    } else if (w !== g) {
      return null;
    }
  }
  return params;
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  const url = toHref(path);
  if (options.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  window.dispatchEvent(new Event(CHANGE));
  if (!options.replace) window.scrollTo?.(0, 0);
}

function subscribe(callback: () => void) {
  window.addEventListener('popstate', callback);
  window.addEventListener(CHANGE, callback);
  return () => {
    window.removeEventListener('popstate', callback);
    window.removeEventListener(CHANGE, callback);
  };
}

function snapshot() {
  return window.location.pathname + window.location.search;
}

export interface Location {
  /** Path inside the app, without the base. */
  path: string;
  search: URLSearchParams;
}

export function useLocation(): Location {
  const current = useSyncExternalStore(subscribe, snapshot, () => '/');
  const url = new URL(current, 'http://localhost');
  return { path: stripBase(url.pathname), search: url.searchParams };
}

export interface LinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> {
  to: string;
}

export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey ||
      rest.target === '_blank'
    ) {
      return;
    }
    event.preventDefault();
    navigate(to);
  };
  return <a href={toHref(to)} onClick={handle} {...rest} />;
}
