import type { BotFormValues } from './botForm';

/** A static sketch of the widget so colour, title and position changes are visible before saving. */
export function WidgetPreview({ values }: { values: BotFormValues }) {
  const color = /^#[0-9a-fA-F]{6}$/.test(values.primaryColor) ? values.primaryColor : '#4f46e5';
  const avatar = values.avatarUrl.trim();
  return (
    <div className={`widget-preview widget-preview-${values.position}`} aria-hidden="true">
      <div className="widget-preview-label">Preview</div>
      <div className="widget-preview-window">
        <div className="widget-preview-head" style={{ background: color }}>
          {/^https?:\/\//.test(avatar) ? (
            <img src={avatar} alt="" className="widget-preview-avatar" />
          ) : (
            <span className="widget-preview-avatar widget-preview-avatar-empty" />
          )}
          <span className="widget-preview-title">{values.title || 'Chat'}</span>
        </div>
        <div className="widget-preview-body">
          <div className="widget-preview-bubble">{values.greeting || 'Hi! How can we help?'}</div>
        </div>
      </div>
      <div className="widget-preview-launcher" style={{ background: color }} />
    </div>
  );
}
