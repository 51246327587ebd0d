// Issue 28's inbox calls, through api.send until `make openapi` brings typed ones (then
// each becomes a one-line call on the generated client).
import type { Api } from '../../api/client';
import type { Agent, CannedReply, ContactDetail, Counts, Detail, ListQuery, Summary, SummaryList } from './contract';

const seg = encodeURIComponent;

export function inboxApi(api: Api) {
  return {
    list: (query: ListQuery) => api.send<SummaryList>('GET', '/api/v1/conversations', { query: { ...query } }),
    /** The generated call, with issue 28's fields typed. */
    get: async (id: string) => (await api.conversations.get(id)) as unknown as Detail,
    counts: (botId: string) => api.send<Counts>('GET', '/api/v1/conversations/counts', { query: { bot_id: botId } }),
    agents: () => api.send<Agent[]>('GET', '/api/v1/agents'),
    assign: (id: string, userId: string | null) =>
      api.send<Summary>('PUT', `/api/v1/conversations/${seg(id)}/assignee`, { body: { user_id: userId } }),
    /** The visitor as a contact; an ApiError with status 404 when they are not one. */
    contact: (visitorId: string) => api.send<ContactDetail>('GET', `/api/v1/contacts/${seg(visitorId)}`),
    cannedReplies: () => api.send<CannedReply[]>('GET', '/api/v1/canned-replies'),
  };
}

export type InboxApi = ReturnType<typeof inboxApi>;
