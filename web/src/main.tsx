import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Api } from './api/client';
import { App } from './App';
import { SessionProvider } from './auth/session';
import { loadConfig } from './config';
import './styles.css';

const root = createRoot(document.getElementById('root') as HTMLElement);

loadConfig()
  .then((config) => {
    const api = new Api(config.apiBaseUrl);
    root.render(
      <StrictMode>
        <SessionProvider api={api}>
          <App wsUrl={config.wsUrl} />
        </SessionProvider>
      </StrictMode>,
    );
  })
  .catch((error: unknown) => {
    root.render(
      <p role="alert" className="form-error">
        This app is not configured: {error instanceof Error ? error.message : String(error)}
      </p>,
    );
  });
