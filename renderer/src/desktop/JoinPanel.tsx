import { useId, useState, type FormEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { PinChangedCard } from './PinChangedCard.js';
import { useDesktop } from '../store/context.js';

/** Join by link: paste, check the certificate, trust on first use; remembered hubs. */
export function JoinPanel() {
  const {
    pending,
    opening,
    hubs,
    recentRooms,
    openLink,
    trustPending,
    repinPending,
    dismissPending,
  } = useDesktop(
    useShallow((s) => ({
      pending: s.pending,
      opening: s.opening,
      hubs: s.hubs,
      recentRooms: s.recentRooms,
      openLink: s.openLink,
      trustPending: s.trustPending,
      repinPending: s.repinPending,
      dismissPending: s.dismissPending,
    })),
  );
  const [link, setLink] = useState('');
  const ids = { link: useId(), hint: useId() };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void openLink(link);
  };
  return (
    <section className="card join-panel" aria-labelledby="join-h">
      <h2 id="join-h">Join a jam</h2>
      <form onSubmit={submit} className="inline-form">
        <label htmlFor={ids.link}>Hub link</label>
        <input
          id={ids.link}
          name="link"
          value={link}
          onChange={(e) => setLink(e.target.value)}
          placeholder="backline://192.168.1.20:8000/?fp=…"
          aria-describedby={ids.hint}
          autoComplete="off"
        />
        <button type="submit" className="primary" disabled={opening || !link.trim()}>
          {opening ? 'Checking…' : 'Open'}
        </button>
      </form>
      <p id={ids.hint} className="hint">
        Paste the link your host sent you. The app checks the hub’s certificate against it.
      </p>
      {pending?.status === 'needs-trust' && (
        <div className="trust-card" role="alertdialog" aria-labelledby="trust-h">
          <h3 id="trust-h">Trust this hub?</h3>
          <p>
            The link carried no certificate fingerprint, so the app can’t tell whether{' '}
            <strong>{new URL(pending.origin).host}</strong> is really your host’s hub. Ask your host
            to read theirs to you; it must match:
          </p>
          <code className="fingerprint">{pending.fingerprint}</code>
          <div className="actions">
            <button type="button" className="primary" onClick={() => void trustPending()}>
              It matches: trust this hub
            </button>
            <button type="button" className="ghost" onClick={dismissPending}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {pending?.status === 'pin-changed' && (
        <PinChangedCard
          key={`${pending.origin} ${pending.presented}`}
          result={pending}
          busy={opening}
          onKeep={dismissPending}
          onTrust={() => void repinPending()}
        />
      )}
      {pending?.status === 'mismatch' && (
        <div className="warning-card" role="alert">
          <h3>Not connecting: the certificate does not match</h3>
          <p>{pending.message}</p>
          <p className="meta">
            Expected <code className="fingerprint">{pending.expected}</code>
            <br />
            Presented <code className="fingerprint">{pending.actual}</code>
          </p>
        </div>
      )}
      {(pending?.status === 'unreachable' || pending?.status === 'invalid') && (
        <p className="error" role="alert">
          {pending.message}
        </p>
      )}
      {hubs.length > 0 && (
        <>
          <h3>Your hubs</h3>
          <ul className="hub-list">
            {hubs.map((h) => (
              <li key={h.origin}>
                <button type="button" className="ghost" onClick={() => void openLink(h.origin)}>
                  {h.origin.replace(/^https:\/\//, '')}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {recentRooms.length > 0 && (
        <>
          <h3>Recent rooms</h3>
          <ul className="hub-list">
            {recentRooms.map((r) => (
              <li key={`${r.origin}/${r.room_id}`}>
                <button
                  type="button"
                  className="ghost"
                  onClick={() => void openLink(`${r.origin}/room/${r.room_id}`)}
                >
                  {r.room_name}{' '}
                  <span className="meta">on {r.origin.replace(/^https:\/\//, '')}</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
