import { useSyncExternalStore } from 'react';

/** The app's routes. The hub serves the page at each of these paths. */
export type Route =
  { name: 'home' } | { name: 'room'; roomId: string } | { name: 'patchbay'; roomId: string };

const ROOM_ID = /^[A-Za-z0-9-]{1,64}$/;

export function parseRoute(pathname: string): Route {
  const m = /^\/(room|patchbay)\/([^/]+)\/?$/.exec(pathname);
  if (m && ROOM_ID.test(m[2]!)) return { name: m[1] as 'room' | 'patchbay', roomId: m[2]! };
  return { name: 'home' };
}

export function routePath(r: Route): string {
  return r.name === 'home' ? '/' : `/${r.name}/${r.roomId}`;
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

export function navigate(r: Route): void {
  const path = routePath(r);
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
