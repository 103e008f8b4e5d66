import { Fragment, useEffect, useRef, useState } from 'react';
import type { OpenResult } from '../../../protocol/ipc.js';

type PinChanged = Extract<OpenResult, { status: 'pin-changed' }>;

/**
 * A link vouches for a new certificate of a hub pinned to another one. Keeping the old pin is
 * the default; trusting the new one takes a second, deliberate step, because whoever holds that
 * certificate gets the person's next sign-in.
 */
export function PinChangedCard({
  result,
  busy,
  onKeep,
  onTrust,
}: {
  result: PinChanged;
  busy: boolean;
  onKeep: () => void;
  onTrust: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const keepRef = useRef<HTMLButtonElement>(null);
  // The default has the focus, in both steps. Without scrolling: a scroll here could slide the
  // trust button under the pointer that just clicked.
  useEffect(() => keepRef.current?.focus({ preventScroll: true }), [confirming]);
  const host = new URL(result.origin).host;
  const keep = (
    <button type="button" className="primary" onClick={onKeep} ref={keepRef}>
      Keep the old pin (don’t connect)
    </button>
  );
  return (
    <div
      className="warning-card pin-changed"
      role="alertdialog"
      aria-labelledby="pin-changed-h"
      aria-describedby="pin-changed-why"
    >
      <h3 id="pin-changed-h">The certificate of {host} has changed</h3>
      <p id="pin-changed-why">
        You trusted the hub at <strong>{host}</strong> before, with another certificate. The link
        you opened vouches for a new one, and the hub now presents it. That is expected only if your
        host set their hub up again (a new computer, a reinstalled app). Otherwise someone may be
        impersonating the hub to catch your sign-in. The app has not connected.
      </p>
      <dl className="fp-compare">
        <dt>Pinned: the certificate you trusted before</dt>
        <dd>
          <Fingerprint testId="pinned-fingerprint" value={result.pinned} />
        </dd>
        <dt>New: in the link, and presented by the hub now</dt>
        <dd>
          <Fingerprint testId="presented-fingerprint" value={result.presented} />
        </dd>
      </dl>
      {confirming ? (
        <>
          <p>
            Ask your host to read you their hub’s fingerprint (it shows under “Host a jam”): every
            pair must match the new one above. Trusting it deletes your saved sign-in for this hub;
            you sign in again.
          </p>
          <div className="actions">
            {keep}
            <button type="button" className="danger" disabled={busy} onClick={onTrust}>
              Trust the new certificate
            </button>
          </div>
        </>
      ) : (
        <div className="actions">
          {keep}
          <button type="button" className="ghost" onClick={() => setConfirming(true)}>
            My host changed it…
          </button>
        </div>
      )}
    </div>
  );
}

/** A fingerprint in full, breaking lines only between pairs, so each pair reads whole. */
function Fingerprint({ value, testId }: { value: string; testId: string }) {
  return (
    <code className="fingerprint" data-testid={testId}>
      {value.split(':').map((pair, i) => (
        <Fragment key={i}>
          {i > 0 && ':'}
          <wbr />
          {pair}
        </Fragment>
      ))}
    </code>
  );
}
