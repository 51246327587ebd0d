/** The System page's API (`/api/v1/system`, `/api/v1/alerts`), as the server sends it. */

export const SYSTEM_PATH = '/api/v1/system';
export const ALERT_RULES_PATH = '/api/v1/alerts/rules';
export const ALERTS_PATH = '/api/v1/alerts';
export const ALERT_TEST_PATH = '/api/v1/alerts/test';
export const retryJobPath = (id: string) => `/api/v1/system/jobs/${encodeURIComponent(id)}/retry`;

export interface NodeView {
  id: string;
  version: string;
  hostname: string;
  started_at: string;
  last_seen_at: string;
  status: 'up' | 'down';
  workers: number;
  workers_busy: number;
  this_node: boolean;
}

export interface DatabaseView {
  backend: 'sqlite' | 'postgres';
  status: 'up' | 'down';
  latency_ms: number;
  size_bytes: number | null;
  pool: { in_use: number; idle: number; max: number };
  last_checkpoint_at: string | null;
}

export interface KindView {
  kind: string;
  queued: number;
  running: number;
  dead: number;
  oldest_due_age_secs: number;
}

export interface DeadJobView {
  id: string;
  kind: string;
  attempts: number;
  last_error: string | null;
  failed_at: string;
}

export interface QueueView {
  queued: number;
  running: number;
  dead: number;
  oldest_due_age_secs: number;
  by_kind: KindView[];
  dead_jobs: DeadJobView[];
  dead_elsewhere: number;
}

export interface ProviderView {
  bot_id: string;
  bot_name: string;
  model: string | null;
  requests: number;
  errors: number;
  p50_ms: number | null;
  p95_ms: number | null;
  last_error: string | null;
  last_error_at: string | null;
}

export interface IntegrationStateView {
  provider: string;
  state: string;
  account_name: string;
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
}

export interface FailedExecutionView {
  id: string;
  workflow_id: string;
  workflow_name: string;
  event_name: string;
  error: string | null;
  failed_at: string;
}

export interface FiringAlertView {
  alert_key: string;
  kind: string;
  summary: string;
  fired_at: string;
}

export interface SystemView {
  now: string;
  nodes: NodeView[];
  database: DatabaseView;
  queue: QueueView;
  outbox: { undispatched: number; oldest_age_secs: number };
  providers: ProviderView[];
  integrations: IntegrationStateView[];
  failed_executions: FailedExecutionView[];
  firing_alerts: FiringAlertView[];
}

export interface Rule {
  kind: string;
  enabled: boolean;
  threshold: number | null;
  min_count: number | null;
}

export interface AlertRules {
  rules: Rule[];
  repeat_hours: number;
  email: { enabled: boolean; recipients: string[] };
  slack: { enabled: boolean; channel: string };
  webhook: { enabled: boolean; url: string };
  webhook_secret: string | null;
}

export interface AlertEvent {
  id: string;
  alert_key: string;
  kind: string;
  event: 'fired' | 'repeated' | 'resolved' | 'test';
  summary: string;
  created_at: string;
}

/** What each rule watches and what its threshold means. */
export const RULES: Record<string, { title: string; threshold?: string; minCount?: string }> = {
  integration_disconnected: { title: 'An integration needs reconnecting' },
  workflow_failures: { title: 'A workflow’s executions fail', threshold: '% failed in 15 minutes', minCount: 'of at least … executions' },
  queue_age: { title: 'The job queue backs up', threshold: 'minutes the oldest due job waited' },
  provider_errors: { title: 'A bot’s model fails or is unreachable', threshold: '% of calls failed in 15 minutes', minCount: 'of at least … calls' },
  dead_job: { title: 'A job is dead-lettered' },
  disk_space: { title: 'The data directory’s disk fills up (SQLite)', threshold: '% free space, below which it alerts' },
  database_down: { title: 'The database is unreachable (sent directly by a node)' },
};

/** How often the page reads the system again (the numbers come from the database). */
export const REFRESH_MS = 5000;
