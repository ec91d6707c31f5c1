/**
 * Shared look of the nnscope elements. Theme with CSS custom properties on `nn-scope` (or any
 * ancestor): they inherit into every shadow root. Light by default, dark under
 * `prefers-color-scheme: dark` or `theme="dark"`.
 */
import { css } from 'lit';

export const theme = css`
  :host {
    --_fg: var(--nn-fg, #1d2330);
    --_muted: var(--nn-muted, #5f6779);
    --_bg: var(--nn-bg, #f4f6fa);
    --_card: var(--nn-card, #ffffff);
    --_view-bg: var(--nn-view-bg, #ffffff);
    --_accent: var(--nn-accent, #3566d9); /* 4.5:1 at least against white, --_bg and --_card */
    --_accent-fg: var(--nn-accent-fg, #ffffff);
    --_bad: var(--nn-error, #c0392b);
    --_good: var(--nn-good, #1a7f45);
    --_border: var(--nn-border, #d9dde6);
    --_radius: var(--nn-radius, 10px);
    --_font: var(--nn-font, 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif);
    --_mono: var(--nn-mono, 12px/1.4 ui-monospace, 'SF Mono', Menlo, monospace);
    display: block;
    /* Layouts follow the element's own width (a blog column, a sidebar), not the viewport's. */
    container-type: inline-size;
    color: var(--_fg);
    font: var(--_font);
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      --_fg: var(--nn-fg, #e6e9f0); --_muted: var(--nn-muted, #9aa3b5); --_bg: var(--nn-bg, #12151c);
      --_card: var(--nn-card, #1b2029); --_view-bg: var(--nn-view-bg, #1b2029); --_accent: var(--nn-accent, #7aa2ff);
      --_accent-fg: var(--nn-accent-fg, #0d1322); --_bad: var(--nn-error, #ff7b6b); --_good: var(--nn-good, #5fd38d);
      --_border: var(--nn-border, #313848);
    }
  }
  :host([theme='dark']) {
    --_fg: var(--nn-fg, #e6e9f0); --_muted: var(--nn-muted, #9aa3b5); --_bg: var(--nn-bg, #12151c);
    --_card: var(--nn-card, #1b2029); --_view-bg: var(--nn-view-bg, #1b2029); --_accent: var(--nn-accent, #7aa2ff);
    --_accent-fg: var(--nn-accent-fg, #0d1322); --_bad: var(--nn-error, #ff7b6b); --_good: var(--nn-good, #5fd38d);
    --_border: var(--nn-border, #313848);
  }
  :host([hidden]), [hidden] { display: none !important; }
  button, select, input { font: inherit; color: inherit; }
  input[type='range'], progress, input[type='checkbox'] { accent-color: var(--_accent); }
  button {
    padding: 5px 12px; border-radius: 6px; border: 1px solid var(--_accent); background: var(--_accent);
    color: var(--_accent-fg); cursor: pointer; white-space: nowrap;
  }
  button.quiet { background: transparent; color: var(--_accent); }
  /* Disabled: grey, but still readable (muted text is 4.5:1 on the card); fading by opacity left 2:1. */
  button:disabled { background: transparent; color: var(--_muted); border-color: var(--_border); cursor: default; }
  select:disabled, input:disabled { opacity: .7; cursor: default; }
  button:focus-visible, select:focus-visible, input:focus-visible, canvas:focus-visible, summary:focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; }
  /* A view clips what lies outside it, and labels lie over its canvas: the ring goes on the view, inside (outlines paint over children). */
  .view:has(canvas:focus-visible) { outline: 2px solid var(--_accent); outline-offset: -2px; }
  .view canvas:focus-visible { outline: none; }
  /* Read by screen readers, not shown. */
  .sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip-path: inset(50%); white-space: nowrap; border: 0; }
  select, input[type='number'], input[type='text'] {
    background: var(--_card); border: 1px solid var(--_border); border-radius: 6px; padding: 4px 6px;
  }
  .card { box-sizing: border-box; height: 100%; background: var(--_card); border-radius: var(--_radius); padding: 14px 16px; box-shadow: 0 1px 3px #0002; border: 1px solid var(--_border); }
  .row { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
  .head { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; margin-bottom: 6px; }
  h2 { font-size: 15px; margin: 0; font-weight: 650; }
  .explain { color: var(--_muted); font-size: 13px; margin: 2px 0 8px; }
  .tick { color: var(--_muted); font: var(--_mono); }
  .ok { color: var(--_good); } .bad { color: var(--_bad); }
  .view { position: relative; overflow: hidden; }
  .view canvas { display: block; width: 100%; height: 100%; }
  .overlay { position: absolute; inset: 0; pointer-events: none; font: 12px/1 system-ui, sans-serif; }
  .label { position: absolute; white-space: nowrap; transform: translateY(-50%); }
  .label.center { transform: translate(-50%, -50%); }
  .label.right { transform: translate(-100%, -50%); }
  .label.title { font-weight: 600; }
  .label.tick, .label.range { color: var(--_muted); font-size: 11px; }
  .label.range { font-variant-numeric: tabular-nums; }
  .label.cell { font: 11px/1 ui-monospace, monospace; } .label.cell-light { color: #fff; } .label.cell-dark { color: #1d2330; }
  .label.class { color: var(--_fg); }
`;
