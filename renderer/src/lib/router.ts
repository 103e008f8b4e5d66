import { useSyncExternalStore } from 'react';
import { parseRoute, routePath, type Route } from '../../../protocol/rules.js';

// The routes themselves (and the hub's paths for them) are shared: protocol/rules/routes.ts.
export type { Route };

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

export function navigate(route: Route): void {
  const path = routePath(route);
  if (location.pathname !== path) history.pushState(null, '', path);
  listeners.forEach((l) => l());
}

export function useRoute(): Route {
  const path = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => location.pathname,
  );
  return parseRoute(path);
}
