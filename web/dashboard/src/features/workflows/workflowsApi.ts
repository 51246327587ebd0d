// Calls of the workflows pages. Most go through the app's `api.send` (session cookie, CSRF
// token, 401 handling); the writes that compile a graph need the 422 body's `errors` list,
// which ApiError does not keep, so they read the answer themselves.
import type { Api } from '../../api/client';
import { ApiError, errorFromResponse } from '../../api/errors';
import type {
  ActionSpec,
  AnalyticsView,
  ExecutionDetail,
  ExecutionList,
  Graph,
  IntegrationProvider,
  TemplateView,
  TestResult,
  ValidationIssue,
  VersionView,
  WorkflowDocument,
  WorkflowListItem,
  WorkflowView,
} from './contract';

/** A graph the server would not compile: every problem, each naming its node or edge. */
export class InvalidWorkflow extends ApiError {
  readonly issues: ValidationIssue[];
  constructor(message: string, issues: ValidationIssue[]) {
    super({ status: 422, code: 'invalid_workflow', message });
    this.issues = issues;
  }
}

const seg = encodeURIComponent;

/** Reads the `errors` of a 422 `invalid_workflow` body; other errors as the app reads them. */
export function errorFromBody(response: Response, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: string; errors?: unknown } } | undefined)?.error;
  if (response.status === 422 && error?.code === 'invalid_workflow' && Array.isArray(error.errors)) {
    return new InvalidWorkflow(error.message ?? 'The workflow has problems.', error.errors as ValidationIssue[]);
  }
  return errorFromResponse(response, body);
}

/** A JSON write whose 422 keeps the validation issues. */
async function compileWrite<T>(api: Api, method: string, path: string, body: unknown, fetcher: typeof fetch): Promise<T> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  const csrf = api.getCsrfToken();
  if (csrf) headers['X-CSRF-Token'] = csrf;
  let response: Response;
  let parsed: unknown;
  try {
    response = await fetcher(new URL(path, globalThis.location?.origin ?? 'http://localhost').toString(), {
      method,
      headers,
      credentials: 'same-origin',
      body: JSON.stringify(body),
    });
    const text = await response.text();
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError({ status: 0, code: 'network_error', message: 'Could not reach the server. Check your connection and try again.' });
  }
  if (!response.ok) throw errorFromBody(response, parsed);
  return parsed as T;
}

export function workflowsApi(api: Api, fetcher: typeof fetch = (...a) => globalThis.fetch(...a)) {
  return {
    list: async () => (await api.send<{ items: WorkflowListItem[] }>('GET', '/api/v1/workflows')).items,
    get: (id: string) => api.send<WorkflowView>('GET', `/api/v1/workflows/${seg(id)}`),
    create: (body: { name: string; description?: string; graph: Graph }) =>
      compileWrite<WorkflowView>(api, 'POST', '/api/v1/workflows', body, fetcher),
    update: (id: string, body: { name?: string; description?: string; graph?: Graph }) =>
      compileWrite<WorkflowView>(api, 'PATCH', `/api/v1/workflows/${seg(id)}`, body, fetcher),
    remove: (id: string) => api.send<void>('DELETE', `/api/v1/workflows/${seg(id)}`),
    activate: (id: string) => api.send<WorkflowView>('POST', `/api/v1/workflows/${seg(id)}/activate`),
    pause: (id: string) => api.send<WorkflowView>('POST', `/api/v1/workflows/${seg(id)}/pause`),
    versions: async (id: string) => (await api.send<{ items: VersionView[] }>('GET', `/api/v1/workflows/${seg(id)}/versions`)).items,
    exportDoc: (id: string) => api.send<WorkflowDocument>('GET', `/api/v1/workflows/${seg(id)}/export`),
    importDoc: (doc: WorkflowDocument) => compileWrite<WorkflowView>(api, 'POST', '/api/v1/workflows/import', doc, fetcher),
    test: (id: string, body: { event: { name: string; payload: unknown }; context?: unknown }) =>
      api.send<TestResult>('POST', `/api/v1/workflows/${seg(id)}/test`, { body }),
    templates: async () => (await api.send<{ items: TemplateView[] }>('GET', '/api/v1/workflow-templates')).items,
    importTemplate: (slug: string) => api.send<WorkflowView>('POST', `/api/v1/workflow-templates/${seg(slug)}/import`),
    actions: async () => (await api.send<{ items: ActionSpec[] }>('GET', '/api/v1/workflow-actions')).items,
    executions: (query: Record<string, string | undefined>) => api.send<ExecutionList>('GET', '/api/v1/executions', { query }),
    execution: (id: string) => api.send<ExecutionDetail>('GET', `/api/v1/executions/${seg(id)}`),
    resume: (id: string) => api.send<ExecutionDetail>('POST', `/api/v1/executions/${seg(id)}/resume`),
    cancel: (id: string) => api.send<ExecutionDetail>('POST', `/api/v1/executions/${seg(id)}/cancel`),
    /** An `unknown` step (a send whose outcome is not known): it happened, or send it again. */
    resolve: (id: string, action: 'done' | 'retry') =>
      api.send<unknown>('POST', `/api/v1/executions/${seg(id)}/resolve`, { body: { action } }),
    analytics: (id: string, days: number) =>
      api.send<AnalyticsView>('GET', `/api/v1/workflows/${seg(id)}/analytics`, { query: { days } }),
    integrations: async () => (await api.send<{ providers: IntegrationProvider[] }>('GET', '/api/v1/integrations')).providers,
  };
}

export type WorkflowsApi = ReturnType<typeof workflowsApi>;
