import type { Banner as BannerT } from '../store/roomModel.js';
import { useRoom } from '../store/context.js';

/** Room news: expiring (warning), closed, expired or removed (the room is over), and the rest. */
export function Banner({ banner }: { banner: BannerT }) {
  const dismiss = useRoom((s) => s.dismissBanner);
  return (
    <div
      className={`banner banner-${banner.tone}`}
      role={banner.tone === 'info' ? 'status' : 'alert'}
      data-testid="room-banner"
    >
      <span>{banner.text}</span>
      {banner.tone !== 'ended' && (
        <button type="button" className="ghost small" onClick={dismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}
