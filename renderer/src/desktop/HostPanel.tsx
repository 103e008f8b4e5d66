import { useShallow } from 'zustand/react/shallow';
import { CopyButton } from '../room/CopyButton.js';
import { useDesktop } from '../store/desktop.js';

const STATE_TEXT = {
  stopped: 'Not hosting.',
  starting: 'Starting your hub…',
  running: 'Your hub is running. Send your friends the link.',
  stopping: 'Stopping: telling the players and ending the rooms…',
  failed: 'Hosting failed.',
} as const;

/** "Host a jam": the toggle, the hub's state, and the share link with its fingerprint. */
export function HostPanel({ compact = false }: { compact?: boolean }) {
  const { host, toggleHost, error } = useDesktop(
    useShallow((s) => ({ host: s.host, toggleHost: s.toggleHost, error: s.error })),
  );
  const on = host.state === 'running' || host.state === 'starting';
  const busy = host.state === 'starting' || host.state === 'stopping';
  return (
    <section
      className={compact ? 'card host-panel compact' : 'card host-panel'}
      aria-labelledby="host-h"
    >
      <div className="host-row">
        <h2 id="host-h">Host a jam</h2>
        <button
          type="button"
          className={on ? 'toggle on' : 'toggle'}
          role="switch"
          aria-checked={on}
          aria-label="Host a jam"
          disabled={busy}
          onClick={() => void toggleHost()}
        >
          <span className="knob" aria-hidden="true" />
          <span>{on ? 'On' : 'Off'}</span>
        </button>
      </div>
      <p className="meta" role="status" data-host-state={host.state}>
        {STATE_TEXT[host.state]}
        {host.error && <span className="error"> {host.error}</span>}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {host.state === 'running' && host.share_link && (
        <dl className="details">
          <div className="detail">
            <dt>Share link</dt>
            <dd>
              <code data-testid="share-link">{host.share_link}</code>
              <CopyButton text={host.share_link} label="Copy share link" />
            </dd>
          </div>
          {!compact && host.web_link && (
            <div className="detail">
              <dt>For a browser</dt>
              <dd>
                <code>{host.web_link}</code>
                <CopyButton text={host.web_link} label="Copy browser link" />
              </dd>
            </div>
          )}
          <div className="detail">
            <dt>Certificate</dt>
            <dd>
              <code className="fingerprint" title="SHA-256 fingerprint of your hub's certificate">
                {host.fingerprint}
              </code>
            </dd>
          </div>
          {host.lan_address === '127.0.0.1' && (
            <p className="hint">No network found: only apps on this computer can reach your hub.</p>
          )}
        </dl>
      )}
    </section>
  );
}
