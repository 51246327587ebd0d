/** Bytes in the largest unit that keeps the number readable: `1.5 GB`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** A wait in seconds as `none`, `45 s`, `12 min`, `3 h 5 min`. */
export function formatAge(secs: number): string {
  if (secs <= 0) return 'none';
  if (secs < 60) return `${Math.round(secs)} s`;
  const min = Math.floor(secs / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return `${h} h ${min % 60} min`;
}

/** Errors as a share of requests: `2 (4%)`. */
export function formatErrors(errors: number, requests: number): string {
  if (requests === 0) return '0';
  return `${errors} (${Math.round((errors * 100) / requests)}%)`;
}
