import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { DesktopState, DesktopStore } from './desktop.js';
import type { RoomState, RoomStore } from './room.js';
import type { RoomsState, RoomsStore } from './rooms.js';
import type { SessionState, SessionStore } from './session.js';
import type { VoiceState, VoiceStore } from './voice.js';

/** Every store of the app, built and started together (app/stores.ts). */
export interface Stores {
  session: SessionStore;
  rooms: RoomsStore;
  room: RoomStore;
  voice: VoiceStore;
  /** The desktop app's side; idle in a browser. */
  desktop: DesktopStore;
}

export const StoresContext = createContext<Stores | null>(null);

/** The app's stores, for actions outside rendering (`stores.room.getState().open(id)`). */
export function useStores(): Stores {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error('useStores() outside <StoresContext.Provider>');
  return stores;
}

export const useSession = <T>(select: (s: SessionState) => T): T =>
  useStore(useStores().session, select);
export const useRooms = <T>(select: (s: RoomsState) => T): T => useStore(useStores().rooms, select);
export const useRoom = <T>(select: (s: RoomState) => T): T => useStore(useStores().room, select);
export const useVoice = <T>(select: (s: VoiceState) => T): T => useStore(useStores().voice, select);
export const useDesktop = <T>(select: (s: DesktopState) => T): T =>
  useStore(useStores().desktop, select);
