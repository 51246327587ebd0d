/**
 * Where the server mounts the dashboard. vite.config.ts builds with this base
 * and the router strips it, so both always agree.
 */
export const APP_BASE = '/app/';
