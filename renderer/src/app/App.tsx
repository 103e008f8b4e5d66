import { PatchbayScreen } from '../patchbay/PatchbayScreen.js';
import { RoomScreen } from '../room/RoomScreen.js';
import { RoomsScreen } from '../rooms/RoomsScreen.js';
import { useSession } from '../store/context.js';
import { ConnectScreen } from './ConnectScreen.js';
import { DesktopDriver } from '../desktop/DesktopDriver.js';
import { PlatformPeg } from '../lib/platform.js';
import { useRoute } from '../lib/router.js';
import { Shell } from './Shell.js';

export function App() {
  const desktop = PlatformPeg.get().desktop;
  return (
    <>
      {desktop && <DesktopDriver bridge={desktop} />}
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
