import { flameGraphClient } from '../flamegraph/client.js';
import { escapeHtml, jsonForScript } from '../flamegraph/html.js';
import { toLevels } from '../flamegraph/levels.js';
import * as anomaliesPanel from './anomalies-panel.js';
import * as apiClient from './api-client.js';
import * as app from './app.js';
import * as diffChanges from './diff-changes.js';
import * as dom from './dom.js';
import * as findingsPanel from './findings-panel.js';
import * as flameWire from './flame-wire.js';
import * as format from './format.js';
import * as query from './query.js';
import * as sandwich from './sandwich.js';
import { UI_CSS } from './styles.js';
import * as timeRange from './time-range.js';
import * as timelineChart from './timeline-chart.js';
import * as topTable from './top-table.js';
import * as triageView from './triage-view.js';
import * as urlState from './url-state.js';

/**
 * How the UI reaches the browser without a bundler: every UI module is plain TypeScript whose
 * exported functions reference each other only by their (unique) exported names, as the flame
 * graph client of the reports already does. At start-up the server lays each export out as a
 * top-level declaration of one inline script (functions by Function.prototype.toString, other
 * values as JSON), so imports resolve to page globals. This runs the same from `tsc` output and
 * under tsx, needs no build step and no esbuild at run time (esbuild is only tsx's dependency),
 * and the page stays one self-contained response that works offline.
 */
const BROWSER_MODULES: ReadonlyArray<Record<string, unknown>> = [
  { flameGraphClient, toLevels },
  anomaliesPanel,
  apiClient,
  diffChanges,
  dom,
  findingsPanel,
  flameWire,
  format,
  query,
  sandwich,
  timeRange,
  timelineChart,
  topTable,
  triageView,
  urlState,
  app,
];

/** uiScript returns the page's script: every browser export once, then the start call. */
export function uiScript(): string {
  const seen = new Set<string>();
  const parts: string[] = [
    // Under tsx, esbuild's keepNames wraps functions in __name(); the built package has none.
    'var __name = window.__name || function (f) { return f; };',
  ];
  for (const mod of BROWSER_MODULES) {
    for (const [name, value] of Object.entries(mod)) {
      if (seen.has(name)) throw new Error(`ui: two browser modules export '${name}'`);
      seen.add(name);
      if (typeof value === 'function') {
        const source = value.toString();
        parts.push(/^(async\s+)?function[\s*]/.test(source) ? source : `const ${name} = ${source};`);
      } else parts.push(`const ${name} = ${jsonForScript(value)};`);
    }
  }
  parts.push("startUi(document.getElementById('app'));");
  return parts.join('\n');
}

/** renderUiPage returns the whole web UI as one HTML document. */
export function renderUiPage(title = 'autoprof'): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${UI_CSS}</style>
</head>
<body>
<main id="app"><noscript>The autoprof UI needs JavaScript.</noscript></main>
<script type="module">
${uiScript().replace(/<\/script/gi, '<\\/script')}
</script>
</body>
</html>
`;
}
