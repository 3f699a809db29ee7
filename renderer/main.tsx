import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { installEscapeCancels } from './lib/escape';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
installEscapeCancels(document);
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
