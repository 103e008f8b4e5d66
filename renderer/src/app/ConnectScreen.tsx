import { useId, useState, type FormEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { HostPanel } from '../desktop/HostPanel.js';
import { JoinPanel } from '../desktop/JoinPanel.js';
import { PlatformPeg } from '../lib/platform.js';
import { useDesktop, useSession } from '../store/context.js';

/** Hub address, then sign in or create an account. Errors show inline, next to the form. */
export function ConnectScreen() {
  const { busy, error, origin, signIn, leaveHub } = useSession(
    useShallow((s) => ({
      busy: s.busy,
      error: s.error,
      origin: s.origin,
      signIn: s.signIn,
      leaveHub: s.leaveHub,
    })),
  );
  const platform = PlatformPeg.get();
  const choosesHubs = platform.choosesHubs;
  const hosting = useDesktop((s) => s.host.state !== 'stopped');
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [hub, setHub] = useState(origin ?? platform.servingHub ?? '');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const ids = { hub: useId(), user: useId(), pass: useId(), err: useId(), hint: useId() };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void signIn(mode, hub, username, password);
  };

  // Desktop, no hub chosen yet: host one, or open a friend's link.
  if (choosesHubs && !origin)
    return (
      <main className="connect desktop-start">
        <Brand />
        <HostPanel />
        <JoinPanel />
      </main>
    );

  return (
    <main className="connect">
      <Brand />
      {choosesHubs && hosting && <HostPanel compact />}
      <form
        className="card connect-card"
        onSubmit={submit}
        aria-describedby={error ? ids.err : undefined}
      >
        <div className="tabs" role="group" aria-label="Account">
          <button
            type="button"
            className={mode === 'login' ? 'tab active' : 'tab'}
            aria-pressed={mode === 'login'}
            onClick={() => setMode('login')}
          >
            Sign in
          </button>
          <button
            type="button"
            className={mode === 'register' ? 'tab active' : 'tab'}
            aria-pressed={mode === 'register'}
            onClick={() => setMode('register')}
          >
            Create account
          </button>
        </div>
        <label htmlFor={ids.hub}>Hub address</label>
        <input
          id={ids.hub}
          name="hub"
          value={hub}
          onChange={(e) => setHub(e.target.value)}
          readOnly
          aria-describedby={ids.hint}
          placeholder="https://host:8000"
          autoComplete="url"
        />
        <p id={ids.hint} className="hint">
          {choosesHubs ? (
            <>
              Its certificate is pinned.{' '}
              <button type="button" className="linklike" onClick={leaveHub}>
                Choose another hub
              </button>
            </>
          ) : (
            'In a browser, this page talks to the hub that served it.'
          )}
        </p>
        <label htmlFor={ids.user}>Username</label>
        <input
          id={ids.user}
          name="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          autoComplete="username"
          required
          minLength={3}
          maxLength={32}
          autoFocus
        />
        <label htmlFor={ids.pass}>Password</label>
        <input
          id={ids.pass}
          name="password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete={mode === 'register' ? 'new-password' : 'current-password'}
          required
          minLength={mode === 'register' ? 8 : 1}
        />
        {mode === 'register' && <p className="hint">At least 8 characters.</p>}
        {error && (
          <p id={ids.err} className="error" role="alert">
            {error}
          </p>
        )}
        <button className="primary" type="submit" disabled={busy}>
          {busy ? 'Please wait…' : mode === 'login' ? 'Sign in' : 'Create account'}
        </button>
      </form>
    </main>
  );
}

function Brand() {
  return (
    <>
      <div className="brand" aria-hidden="true">
        <img src="/favicon.svg" alt="" width={44} height={44} />
      </div>
      <h1>Backline</h1>
      <p className="tagline">Rehearse together, live, over JackTrip.</p>
    </>
  );
}
