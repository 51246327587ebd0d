import { useState } from 'react';
import { useApi } from '../../api/context';
import { errorMessage } from '../../api/errors';
import { useMe } from '../../lib/session';
import { useResource } from '../../lib/useResource';
import { Select } from '../../ui/Input';
import { useToast } from '../../ui/Toast';
import type { WorkspaceList } from './workspaces';
import './workspaces.css';

/**
 * The header's workspace name; a menu of the person's workspaces when they belong to
 * several. Switching re-binds the session, then the app starts afresh in the new one.
 */
export function WorkspaceSwitcher() {
  const api = useApi();
  const me = useMe();
  const toast = useToast();
  const list = useResource(() => api.send<WorkspaceList>('GET', '/api/v1/workspaces'), `switcher-${me.workspace.id}`);
  const [busy, setBusy] = useState(false);
  const items = list.data?.items ?? [];

  if (items.length < 2) return <span className="workspace-name">{me.workspace.name}</span>;

  const change = async (id: string) => {
    setBusy(true);
    try {
      await api.send('POST', `/api/v1/workspaces/${encodeURIComponent(id)}/switch`);
      window.location.reload();
    } catch (e) {
      toast(errorMessage(e), 'error');
      setBusy(false);
    }
  };

  return (
    <Select
      className="workspace-switcher"
      aria-label="Workspace"
      value={me.workspace.id}
      disabled={busy}
      onChange={(e) => void change(e.target.value)}
    >
      {items.map((w) => (
        <option key={w.id} value={w.id}>
          {w.name}
        </option>
      ))}
    </Select>
  );
}
