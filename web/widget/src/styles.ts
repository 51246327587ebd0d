/**
 * The widget's stylesheet, applied inside its shadow root. `:host { all: initial !important }`
 * cuts every inherited host style (an `!important` rule in the shadow tree beats the page's
 * rules on the host element); sizes are in px, never rem, so the page's root font size
 * can't scale the widget. The panel clips rather than hides overflow, so that focusing an
 * element can never scroll its header out of view. A date field keeps its ring while the
 * calendar button inside it has focus (the field itself is not `:focus` then, only
 * `:focus-within`); what is focused or opened in the log scrolls in with a margin, so its
 * ring is not cut by the log's edge. `--p` is the bot's colour, `--pt` the text colour
 * readable on it.
 */
export const CSS = `
:host{all:initial!important;display:block!important}
.root{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2328;-webkit-font-smoothing:antialiased;text-align:left;letter-spacing:normal;word-spacing:normal;text-transform:none;--side:20px}
:where(.root) *,:where(.root) *::before,:where(.root) *::after{box-sizing:border-box;margin:0;padding:0;font:inherit;color:inherit}
[hidden]{display:none!important}
button{background:none;border:0;cursor:pointer;text-align:inherit;line-height:inherit}
svg{width:20px;height:20px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round;flex:none}
:focus{outline:none}
:focus-visible{outline:2px solid var(--p);outline-offset:2px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.launcher,.teaser,.panel{position:fixed;z-index:2147483000}
.launcher{bottom:20px;width:56px;height:56px;border-radius:50%;background:var(--p);color:var(--pt);display:grid;place-items:center;box-shadow:0 6px 20px rgba(0,0,0,.22);transition:transform .15s}
.launcher:hover{transform:scale(1.06)}
.launcher svg{width:26px;height:26px}
.badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;background:#d1242f;color:#fff;font-size:12px;font-weight:700;line-height:20px;text-align:center}
.teaser{bottom:86px;max-width:260px;display:flex;align-items:flex-start;gap:4px;background:#fff;border-radius:12px;padding:10px 8px 10px 14px;box-shadow:0 6px 24px rgba(0,0,0,.16);animation:pop .25s ease-out}
.teaser-text{flex:1}
.panel{bottom:88px;width:380px;height:min(640px,calc(100vh - 108px));display:flex;flex-direction:column;background:#fff;border-radius:16px;overflow:hidden;overflow:clip;box-shadow:0 12px 40px rgba(0,0,0,.24);animation:pop .2s ease-out}
.right .launcher,.right .teaser,.right .panel{right:var(--side)}
.left .launcher,.left .teaser,.left .panel{left:var(--side)}
@keyframes pop{from{opacity:0;transform:translateY(8px)}}
.head{display:flex;align-items:center;gap:10px;padding:12px 12px 12px 16px;background:var(--p);color:var(--pt)}
.head h2{flex:1;font-size:16px;font-weight:650;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.avatar{width:32px;height:32px;border-radius:50%;object-fit:cover;display:grid;place-items:center;background:rgba(255,255,255,.2);flex:none}
.icon{display:grid;place-items:center;width:36px;height:36px;border-radius:8px;flex:none;color:#57606a}
.icon:hover{background:rgba(0,0,0,.06)}
.head .icon{color:inherit}
.head .icon:hover{background:rgba(255,255,255,.18)}
.head :focus-visible{outline-color:currentColor}
.tabs{display:flex;border-bottom:1px solid #e5e7eb;background:#fafbfc}
.tabs [role=tab]{flex:1;padding:10px 8px;text-align:center;font-weight:600;color:#57606a;border-bottom:2px solid transparent}
.tabs [role=tab][aria-selected=true]{color:#1f2328;border-bottom-color:var(--p)}
.tabs [role=tab]:focus-visible{outline-offset:-3px}
.tabpanel{flex:1;min-height:0;display:flex;flex-direction:column}
.chat,.faq,.history{flex:1;min-height:0;display:flex;flex-direction:column;position:relative}
.log{flex:1;overflow-y:auto;padding:14px 12px 6px;display:flex;flex-direction:column;gap:8px;overscroll-behavior:contain}
.log:focus-visible{outline-offset:-2px}
.log :is(a,button,textarea,.quote){scroll-margin:6px}
.m{max-width:85%;align-self:flex-start;display:flex;flex-direction:column;gap:6px}
.m .body{padding:9px 12px;border-radius:14px 14px 14px 4px;background:#f1f3f5;overflow-wrap:anywhere}
.m.visitor{align-self:flex-end;align-items:flex-end}
.m.visitor .body{background:var(--p);color:var(--pt);border-radius:14px 14px 4px 14px}
.m.agent .body{background:#eef6ee;border:1px solid #cfe6cf}
.m.system{align-self:center;max-width:95%}
.m.system .body{background:none;color:#57606a;font-size:12.5px;text-align:center;padding:2px 8px}
.m.pending .body{opacity:.75}
.m.failed .body{opacity:.6}
.st{font-size:12px;color:#57606a}
.m.failed .st{color:#d1242f}
.body p+p,.body p+ul,.body p+ol,.body ul+p,.body ol+p,.body pre,.body blockquote{margin-top:6px}
.body ul,.body ol{padding-left:20px}
.body code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;background:rgba(0,0,0,.07);padding:1px 4px;border-radius:4px}
.body pre{background:#1f2328;color:#f6f8fa;padding:8px 10px;border-radius:8px;overflow-x:auto}
.body pre code{background:none;padding:0;color:inherit}
.body blockquote{border-left:3px solid #d0d7de;padding-left:8px;color:#57606a}
.body a{color:#0b57d0;text-decoration:underline}
.m.visitor .body a{color:inherit}
.body strong{font-weight:650}
.body em{font-style:italic}
.body sup{font-size:10px;line-height:0;color:#57606a;margin-left:1px}
.cites{list-style:none;display:flex;flex-wrap:wrap;gap:6px}
.chip{display:inline-flex;align-items:center;gap:4px;max-width:260px;padding:3px 9px 3px 6px;border:1px solid #d0d7de;border-radius:999px;background:#fff;font-size:12px;color:#57606a;text-decoration:none}
.chip span{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.chip svg{width:14px;height:14px}
a.chip:hover,button.chip:hover,.chip[aria-expanded=true]{border-color:var(--p);color:#1f2328}
.src{display:flex;flex-direction:column;gap:6px}
.quote{border-left:3px solid var(--p);background:#f6f8fa;border-radius:6px;padding:7px 10px;font-size:12.5px;max-height:160px;overflow-y:auto;overflow-wrap:anywhere}
.passage+.passage{margin-top:6px}
.ph{font-weight:600;color:#57606a}
.who{display:flex;align-items:center;gap:6px;font-size:12px;font-weight:600;color:#57606a}
.face{width:20px;height:20px;border-radius:50%;object-fit:cover;display:grid;place-items:center;background:#cfe6cf;color:#1d4426;font-size:11px;font-weight:700;flex:none}
.rate{align-self:stretch;border:1px solid #e5e7eb;border-radius:12px;padding:10px 12px;background:#fff}
.rate-form,.rate-done{display:flex;flex-direction:column;gap:6px}
.rate-done{align-items:center;text-align:center}
.rate-t{font-weight:650}
.stars{display:flex;gap:2px}
.star{width:36px;height:36px;display:grid;place-items:center;border-radius:8px;color:#6e7781}
.stars svg{width:26px;height:26px;stroke-width:1.6}
.star.on,.stars svg.on{color:#b7791f}
.star.on svg,.stars svg.on{fill:#f2b84b}
@media (hover:hover){.pick:hover .star:not(:disabled){color:#b7791f}.pick:hover .star:not(:disabled) svg{fill:#f8d48a}.pick .star:hover~.star:not(:disabled){color:#6e7781}.pick .star:hover~.star:not(:disabled) svg{fill:none}}
.rate-l{font-size:12.5px;color:#57606a}
.rate textarea{width:100%;resize:vertical;min-height:44px;padding:6px 8px}
.rate-row{display:flex;align-items:center;gap:8px}
.rate-err{flex:1;font-size:12.5px;color:#82071e}
.rate-send{margin-left:auto;padding:6px 16px;border-radius:8px;background:var(--p);color:var(--pt);font-weight:600}
.rate button:disabled{opacity:.5;cursor:default}
.stars.shown svg{width:20px;height:20px}
.att img,img.att{display:block;max-width:220px;max-height:220px;border-radius:10px;border:1px solid #e5e7eb}
.typing{display:flex;gap:4px;padding:4px 18px 8px}
.typing i{width:7px;height:7px;border-radius:50%;background:#8c959f;animation:blink 1.2s infinite both}
.typing i:nth-of-type(2){animation-delay:.2s}
.typing i:nth-of-type(3){animation-delay:.4s}
@keyframes blink{0%,80%,100%{opacity:.25}40%{opacity:1}}
.status:not(:empty),.error:not(:empty){margin:0 12px 6px;padding:6px 10px;border-radius:8px;font-size:12.5px;background:#fff8c5;color:#4d2d00}
.error:not(:empty){background:#ffebe9;color:#82071e}
.composer{border-top:1px solid #e5e7eb;padding:8px}
.row{display:flex;align-items:flex-end;gap:4px}
textarea,input{font:inherit;color:#1f2328;background:#fff;border:1px solid #d0d7de;border-radius:10px}
textarea{flex:1;min-width:0;resize:none;padding:8px 10px;max-height:120px;line-height:20px}
textarea:focus-visible,input:focus-visible{outline-offset:0;border-color:var(--p)}
.send{color:var(--p)}
.preview{display:flex;align-items:center;gap:8px;padding:0 0 8px;font-size:12.5px;color:#57606a}
.preview img{width:48px;height:48px;object-fit:cover;border-radius:8px;border:1px solid #e5e7eb}
.preview span{flex:1;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.preview select{font:inherit;font-size:12px;max-width:40%}
.sum{font-size:12px;color:#57606a;margin:4px 0 0;max-width:220px}
.drop{position:absolute;inset:8px;display:none;place-items:center;border:2px dashed var(--p);border-radius:12px;background:rgba(255,255,255,.94);font-weight:600;pointer-events:none}
.drop.on{display:grid}
.tools{padding:10px 12px;display:flex;flex-direction:column;gap:8px;border-bottom:1px solid #e5e7eb}
.tools input{padding:7px 10px;width:100%}
.dates{display:flex;gap:8px}
.dates label{flex:1;display:flex;flex-direction:column;gap:2px;font-size:12px;color:#57606a}
.dates input{padding:5px 6px}
.dates input:focus-within{outline:2px solid var(--p);outline-offset:0;border-color:var(--p)}
.new{align-self:flex-start;padding:6px 12px;border-radius:8px;border:1px solid var(--p);color:var(--p);font-weight:600}
.list{list-style:none;overflow-y:auto;flex:1;min-height:0}
.item{display:flex;flex-direction:column;gap:2px;width:100%;padding:10px 14px;border-bottom:1px solid #f0f1f3}
.item:hover{background:#f6f8fa}
.item:focus-visible{outline-offset:-2px}
.item .q{font-weight:600;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
.item .a,.item .meta{font-size:12.5px;color:#57606a;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
.item[aria-current=true]{box-shadow:inset 3px 0 0 var(--p)}
.empty{padding:16px 14px;color:#57606a}
.scope{padding:8px 14px 2px;font-size:12px;font-weight:600;color:#57606a}
.scope:empty{display:none}
.empty:empty{display:none}
@media (max-width:480px){
.open .panel{inset:0;width:100%;height:100%;border-radius:0}
.open .launcher,.open .teaser{display:none}
.teaser{max-width:calc(100vw - 40px)}
}
@media (prefers-reduced-motion:reduce){
.root *{animation:none!important;transition:none!important}
}
`;
