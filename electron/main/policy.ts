// The window's security decisions as plain functions (shell/windows.ts and shell/index.ts apply
// them; main.test.ts checks them): what is the app's own page, which links may leave for the
// system browser, and which permission requests are granted.
import { APP_ORIGIN } from '../../protocol/channels.js';

const APP = new URL(APP_ORIGIN);

/** A URL of the app's own page (backline-app://app/...), and nothing that merely starts alike. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === APP.protocol && u.host === APP.host && !u.username && !u.password;
  } catch {
    return false;
  }
}

/** Only web pages leave the app for the system browser; file:, javascript:, custom schemes never. */
export function isExternalUrlAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
  } catch {
    return false;
  }
}

/** A permission request is granted only to the app's page, and only for the microphone. */
export function isPermissionAllowed(r: {
  url: string;
  permission: string;
  mediaTypes?: readonly string[];
}): boolean {
  const types = r.mediaTypes ?? [];
  return (
    isAppUrl(r.url) &&
    r.permission === 'media' &&
    types.length > 0 &&
    types.every((t) => t === 'audio')
  );
}

/** Permission checks (navigator.permissions, device lists): the microphone, for the app's page. */
export function isPermissionCheckAllowed(url: string | undefined, permission: string): boolean {
  return !!url && isAppUrl(url) && permission === 'media';
}
