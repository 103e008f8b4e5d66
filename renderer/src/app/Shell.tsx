import { useState, type ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { HostPanel } from '../desktop/HostPanel.js';
import { PlatformPeg } from '../lib/platform.js';
import { navigate } from '../lib/router.js';
import { useDesktop, useSession } from '../store/context.js';

/** The top bar (brand, who is signed in, sign out) around every signed-in screen. */
export function Shell({ children }: { children: ReactNode }) {
  const { user, origin, signOut, leaveHub } = useSession(
    useShallow((s) => ({
      user: s.user,
      origin: s.origin,
      signOut: s.signOut,
      leaveHub: s.leaveHub,
    })),
  );
  const choosesHubs = PlatformPeg.get().choosesHubs;
  const hosting = useDesktop((s) => s.host.state !== 'stopped');
  // Under 720 px the header folds: the brand and a Menu button, which shows the rest below.
  const [menuOpen, setMenuOpen] = useState(false);
  return (
    <div className="shell">
      <header
        className={menuOpen ? 'topbar menu-open' : 'topbar'}
        onKeyDown={(e) => e.key === 'Escape' && setMenuOpen(false)}
      >
        <a
          className="brand-link"
          href="/"
          onClick={(e) => {
            e.preventDefault();
            navigate({ name: 'home' });
          }}
        >
          <img src="/favicon.svg" alt="" width={24} height={24} />
          <span>Backline</span>
        </a>
        <button
          type="button"
          className="ghost menu-toggle"
          aria-expanded={menuOpen}
          onClick={() => setMenuOpen((o) => !o)}
        >
          Menu
        </button>
        <span className="hub-origin" title="The hub you are signed in to">
          {origin?.replace(/^https?:\/\//, '')}
        </span>
        <span className="spacer" />
        <span className="whoami">
          Signed in as <strong>{user?.username}</strong>
        </span>
        {choosesHubs && (
          <button type="button" className="ghost" onClick={leaveHub}>
            Switch hub
          </button>
        )}
        <button type="button" className="ghost" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      {choosesHubs && hosting && <HostPanel compact />}
      {children}
    </div>
  );
}
