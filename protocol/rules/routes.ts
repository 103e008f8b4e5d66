// The app's pages, and the room id in their paths. The hub serves the page at each of these
// paths, the renderer routes itself by them, and the desktop app reads a share link's room
// from them.

/** A room id, as the hub makes them and every path, link and request accepts them. */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;

export type Route =
  { name: 'home' } | { name: 'room'; roomId: string } | { name: 'patchbay'; roomId: string };

/** The paths the hub answers with the app's page (in Fastify's syntax). Never an API path. */
export const APP_ROUTES = ['/', '/room/:id', '/patchbay/:room_id'] as const;

/** The route a path names; anything unknown or malformed is home. */
export function parseRoute(pathname: string): Route {
  const match = /^\/(room|patchbay)\/([^/]+)\/?$/.exec(pathname);
  if (match && ROOM_ID_PATTERN.test(match[2]!))
    return { name: match[1] as 'room' | 'patchbay', roomId: match[2]! };
  return { name: 'home' };
}

/** Is this path one of the app's pages (answered with the app's index.html)? */
export function isAppPath(pathname: string): boolean {
  return pathname === '/' || parseRoute(pathname).name !== 'home';
}

export function routePath(route: Route): string {
  return route.name === 'home' ? '/' : `/${route.name}/${route.roomId}`;
}
