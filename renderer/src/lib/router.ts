import { useSyncExternalStore } from 'react';
import { parseRoute, routePath, type Route } from '../../../protocol/rules.js';

// The routes themselves (and the hub's paths for them) are shared: protocol/rules/routes.ts.
export type { Route };

const listeners = new Set<() => void>();

export function navigate(route: Route): void {
  const path = routePath(route);
  if (location.pathname !== path) history.pushState(null, '', path);
  listeners.forEach((l) => l());
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

export function useRoute(): Route {
  return parseRoute(useSyncExternalStore(subscribe, () => location.pathname));
}
