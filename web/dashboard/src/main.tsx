import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApi } from './api/client';
import { ApiProvider } from './api/context';
import { App } from './app/App';
import { SessionProvider, UNAUTHENTICATED_EVENT } from './lib/session';
import { ToastProvider } from './ui/Toast';
import './styles.css';

const api = createApi({
  onUnauthenticated: () => window.dispatchEvent(new Event(UNAUTHENTICATED_EVENT)),
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApiProvider api={api}>
      <ToastProvider>
        <SessionProvider>
          <App />
        </SessionProvider>
      </ToastProvider>
    </ApiProvider>
  </StrictMode>,
);
