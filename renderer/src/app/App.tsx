import { useEffect } from 'react';
import { PatchbayScreen } from '../patchbay/PatchbayScreen.js';
import { RoomScreen } from '../room/RoomScreen.js';
import { RoomsScreen } from '../rooms/RoomsScreen.js';
import { useSession } from '../store/session.js';
import { ConnectScreen } from './ConnectScreen.js';
import { DesktopDriver } from '../desktop/DesktopDriver.js';
import { desktopBridge, servingHub } from './platform.js';
import { useRoute } from './router.js';
import { Shell } from './Shell.js';

export function App() {
  const restore = useSession((s) => s.restore);

  useEffect(() => {
    const hub = servingHub();
    if (hub) void restore(hub);
    else useSession.setState({ phase: 'signed-out' });
  }, [restore]);

  const desktop = desktopBridge() !== undefined;
  return (
    <>
      {desktop && <DesktopDriver />}
      <Screens />
    </>
  );
}

function Screens() {
  const phase = useSession((s) => s.phase);
  const route = useRoute();
  if (phase === 'restoring')
    return (
      <main className="connect" aria-busy="true">
        <p className="empty">Connecting to the hub…</p>
      </main>
    );
  // Signed out: the connect screen, and then back to the page that was asked for.
  if (phase === 'signed-out') return <ConnectScreen />;
  return (
    <Shell>
      {route.name === 'home' && <RoomsScreen />}
      {route.name === 'room' && <RoomScreen roomId={route.roomId} />}
      {route.name === 'patchbay' && <PatchbayScreen roomId={route.roomId} />}
    </Shell>
  );
}
