import { type FlameClientConfig, flameGraphClient } from './client.js';

/** escapeHtml makes text safe inside HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** jsonForScript serialises data for an inline <script>, so '</script>' in a name cannot end it. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1d1d1f; --bg: #fff; --muted: #666; --border: #ddd; }
@media (prefers-color-scheme: dark) { :root { --fg: #eee; --bg: #161618; --muted: #aaa; --border: #333; } }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; padding: 1rem 1.5rem; max-width: 1400px; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 1.6rem; }
table { border-collapse: collapse; margin: .5rem 0; } th, td { border: 1px solid var(--border); padding: .25rem .5rem; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, Menlo, monospace; }
.fg-controls { display: flex; gap: .5rem; align-items: center; margin: .5rem 0; }
.fg-controls input { width: 18rem; } .fg-status { color: var(--muted); }
.fg-tooltip { position: absolute; pointer-events: none; white-space: pre; background: #222; color: #fff; padding: .35rem .5rem; border-radius: 4px; font: 12px ui-monospace, monospace; z-index: 10; }
.verdict-pass { color: #1a7f37; } .verdict-warn { color: #9a6700; } .verdict-fail { color: #cf222e; }
.legend span { display: inline-block; padding: 0 .4rem; margin-right: .3rem; border-radius: 3px; }
`;

/** renderFlameGraphSection returns a container and the script that draws into it. */
export function renderFlameGraphSection(id: string, config: FlameClientConfig): string {
  return [
    `<div id="${escapeHtml(id)}" class="flamegraph" data-title="${escapeHtml(config.title)}"></div>`,
    // Under tsx (autoprof run from source) esbuild wraps functions in a __name() helper that
    // Function.prototype.toString carries along; the page must define it too.
    `<script>var __name = window.__name || function (f) { return f; };\n(${flameGraphClient.toString()})(document.getElementById(${JSON.stringify(id)}), ${jsonForScript(config)});</script>`,
  ].join('\n');
}

/** renderHtmlPage wraps body HTML in a self-contained, offline page. */
export function renderHtmlPage(title: string, bodyHtml: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${bodyHtml}
</body>
</html>
`;
}
