import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.js';
import { createStores } from './app/stores.js';
import { PlatformPeg } from './lib/platform.js';
import { choosePlatform } from './platform/choose.js';
import { StoresContext } from './store/context.js';
import './styles.css';

// Where the page runs is decided once, here; then the stores are built and started.
PlatformPeg.set(choosePlatform());
const stores = createStores(PlatformPeg.get());
stores.start();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoresContext.Provider value={stores}>
      <App />
    </StoresContext.Provider>
  </StrictMode>,
);
