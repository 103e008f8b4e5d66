import { useEffect } from 'react';
import { PatchbayScreen } from '../patchbay/PatchbayScreen.js';
import { RoomScreen } from '../room/RoomScreen.js';
import { RoomsScreen } from '../rooms/RoomsScreen.js';
import { useSession } from '../store/session.js';
import { ConnectScreen } from './ConnectScreen.js';
import { servingHub } from './platform.js';
import { useRoute } from './router.js';
import { Shell } from './Shell.js';

export function App() {
  const phase = useSession((s) => s.phase);
  const restore = useSession((s) => s.restore);
  const route = useRoute();

  useEffect(() => {
    const hub = servingHub();
    if (hub) void restore(hub);
    else useSession.setState({ phase: 'signed-out' });
  }, [restore]);

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
