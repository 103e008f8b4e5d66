import { useShallow } from 'zustand/react/shallow';
import type { HostStatus } from '../../../protocol/ipc.js';
import { CopyButton } from '../room/CopyButton.js';
import { useDesktop } from '../store/context.js';

const STATE_TEXT = {
  stopped: 'Not hosting.',
  starting: 'Starting your hub…',
  running: 'Your hub is running. Send your friends the link.',
  stopping: 'Stopping: telling the players and ending the rooms…',
  failed: 'Hosting failed.',
} as const;

type ReachState = NonNullable<HostStatus['reach']>['state'];
/** A short headline per reachability state; the hub's sentence says what to do. */
const REACH_TEXT: Record<ReachState, string> = {
  off: 'Internet: router not opened',
  checking: 'Internet: asking your router…',
  public: 'Internet: reachable (public address)',
  mapped: 'Internet: reachable (router ports opened)',
  no_gateway: 'Internet: not reachable (no answer from your router)',
  refused: 'Internet: not reachable (your router refused)',
  carrier_nat: 'Internet: not reachable (carrier-grade NAT)',
  double_nat: 'Internet: not reachable (two routers)',
};
const REACH_TONE: Record<ReachState, 'ok' | 'warn' | 'muted'> = {
  off: 'muted',
  checking: 'muted',
  public: 'ok',
  mapped: 'ok',
  no_gateway: 'warn',
  refused: 'warn',
  carrier_nat: 'warn',
  double_nat: 'warn',
};

function LinkRow({ label, link, copy }: { label: string; link: string; copy: string }) {
  return (
    <div className="detail">
      <dt>{label}</dt>
      <dd>
        <code data-testid={copy === 'internet' ? 'internet-link' : 'share-link'}>{link}</code>
        <CopyButton text={link} label={`Copy ${label.toLowerCase()}`} />
      </dd>
    </div>
  );
}

/** "Host a jam": the toggle, the hub's state, the internet and LAN links, the fingerprint. */
export function HostPanel({ compact = false }: { compact?: boolean }) {
  const { host, toggleHost, setUpnp, error } = useDesktop(
    useShallow((s) => ({
      host: s.host,
      toggleHost: s.toggleHost,
      setUpnp: s.setUpnp,
      error: s.error,
    })),
  );
  const on = host.state === 'running' || host.state === 'starting';
  const busy = host.state === 'starting' || host.state === 'stopping';
  const upnp = host.upnp !== false;
  const reach = host.state === 'running' ? host.reach : undefined;
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
      {
        <label className="upnp-switch">
          <input
            type="checkbox"
            checked={upnp}
            onChange={(e) => void setUpnp(e.currentTarget.checked)}
          />
          Open my router’s ports automatically
        </label>
      }
      {reach && (
        <div
          className={`reach reach-${REACH_TONE[reach.state]}`}
          data-testid="reach-state"
          data-reach-state={reach.state}
        >
          <strong>{REACH_TEXT[reach.state]}</strong>
          <p>{reach.message}</p>
        </div>
      )}
      {host.state === 'running' && host.share_link && (
        <dl className="details">
          {host.internet_link && (
            <LinkRow label="Internet link" link={host.internet_link} copy="internet" />
          )}
          <LinkRow
            label={host.internet_link ? 'On your network' : 'Share link (your network)'}
            link={host.share_link}
            copy="lan"
          />
          {!compact && host.web_link && (
            <div className="detail">
              <dt>For a browser</dt>
              <dd>
                <code>{host.internet_web_link ?? host.web_link}</code>
                <CopyButton
                  text={host.internet_web_link ?? host.web_link}
                  label="Copy browser link"
                />
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
