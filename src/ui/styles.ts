/**
 * UI_CSS is the web UI's stylesheet. Themes are CSS variables: the system's preference by
 * default, `data-theme` on <html> when the user picks one (the flame graph reads the same
 * attribute for its canvas colours).
 */
export const UI_CSS = `
:root { color-scheme: light; --fg: #1d1d1f; --bg: #fff; --panel: #f6f7f9; --muted: #5f6368; --border: #d8dbe0;
  --accent: #0057d9; --area: #7aa7e8; --grew: #e0464b; --shrank: #3a9d4a; --base: #2f7fd8; --head: #e58a1f;
  --anomaly: #d1242f; --deploy: #6f42c1; }
@media (prefers-color-scheme: dark) { :root:not([data-theme=light]) { color-scheme: dark; --fg: #e8e8ea; --bg: #151618;
  --panel: #1f2124; --muted: #a0a4aa; --border: #373a3f; --accent: #7cc4ff; --area: #3f6fae; } }
:root[data-theme=dark] { color-scheme: dark; --fg: #e8e8ea; --bg: #151618; --panel: #1f2124; --muted: #a0a4aa;
  --border: #373a3f; --accent: #7cc4ff; --area: #3f6fae; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
#app { padding: .5rem 1rem 2rem; max-width: 1800px; margin: 0 auto; }
h1 { font-size: 1.2rem; margin: 0 1rem 0 0; } h2 { font-size: 1rem; margin: 1rem 0 .4rem; }
button, select, input { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--border); border-radius: 4px; padding: .15rem .45rem; }
button { cursor: pointer; } button:hover { border-color: var(--accent); }
button[aria-pressed=true], button[aria-selected=true] { background: var(--accent); color: var(--bg); border-color: var(--accent); }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
a { color: var(--accent); }
.toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; padding: .35rem 0; }
.toolbar.range { border-top: 1px solid var(--border); }
.spacer { flex: 1; }
.presets { display: inline-flex; gap: .2rem; }
.chips { display: inline-flex; gap: .25rem; flex-wrap: wrap; }
.chip { background: var(--panel); border: 1px solid var(--border); border-radius: 1rem; padding: 0 .2rem 0 .55rem; font: 12px ui-monospace, monospace; }
.chip button { border: 0; background: transparent; padding: 0 .3rem; }
.muted { color: var(--muted); } .small { font-size: 12px; }
.timeline { min-height: 90px; } .timeline-svg { display: block; touch-action: none; cursor: crosshair; user-select: none; }
.timeline-svg .area { fill: var(--area); stroke: var(--accent); stroke-width: 1; }
.timeline-svg .axis { stroke: var(--border); } .timeline-svg .tick { fill: var(--muted); font-size: 11px; }
.timeline-svg .brush { fill: var(--accent); opacity: .2; }
.timeline-svg .mark-base { fill: var(--base); opacity: .18; } .timeline-svg .mark-head { fill: var(--head); opacity: .22; }
.timeline-svg .event { cursor: pointer; outline: none; }
.timeline-svg .event-shape { stroke: var(--bg); stroke-width: 1; }
.timeline-svg .event-anomaly .event-shape { fill: var(--anomaly); } .timeline-svg .event-deploy .event-shape { fill: var(--deploy); }
.timeline-svg .event-text { font-size: 11px; fill: var(--fg); }
.timeline-svg .event.selected .event-text { font-weight: 700; }
.timeline-svg .event:focus-visible .event-shape, .timeline-svg .event:hover .event-shape { stroke: var(--fg); stroke-width: 2; }
.timeline-svg .event:focus-visible .event-text { text-decoration: underline; }
.timeline-svg .event-window { fill: var(--anomaly); opacity: .12; } .timeline-svg .event-window.selected { opacity: .25; }
.timeline-svg .event-line { stroke: var(--deploy); stroke-width: 1.5; stroke-dasharray: 3 2; }
.anomaly-list { list-style: none; margin: 0; padding: 0; display: grid; gap: .3rem; }
.anomaly-item { width: 100%; text-align: left; display: block; padding: .3rem .5rem; }
.anomaly-item[aria-pressed=true] { background: color-mix(in srgb, var(--anomaly) 14%, var(--bg)); color: var(--fg); border-color: var(--anomaly); }
.anomaly-item .muted { display: block; }
.anomaly-report { border-top: 1px solid var(--border); margin-top: .6rem; padding-top: .3rem; }
.anomaly-report h3 { font-size: .95rem; margin: .3rem 0; } .anomaly-report h4 { font-size: .85rem; margin: .6rem 0 .2rem; }
.anomaly-report .statement { margin: .4rem 0; }
.anomaly-actions { display: flex; flex-wrap: wrap; gap: .4rem; }
.call-path { margin: 0; padding-left: 1.4rem; font-size: 12px; } .call-path code { word-break: break-all; }
.anomaly-changes { font-size: 12px; } .anomaly-changes tr.grew td.delta { color: var(--grew); } .anomaly-changes tr.shrank td.delta { color: var(--shrank); }
.anomaly-report ul { margin: 0; padding-left: 1.1rem; font-size: 12px; }
.badge.badge-anomaly { background: var(--anomaly); color: #fff; } .badge.badge-deploy { background: var(--deploy); color: #fff; }
.anomaly-report:focus { outline: none; }
.tabs { display: flex; gap: .25rem; border-bottom: 1px solid var(--border); margin: .4rem 0 .6rem; padding-bottom: .4rem; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 340px; gap: 1rem; align-items: start; }
@media (max-width: 1000px) { .layout { grid-template-columns: minmax(0, 1fr); } }
.findings { background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: .2rem .8rem .8rem; position: sticky; top: .5rem; max-height: calc(100vh - 1rem); overflow: auto; }
.finding { border-top: 1px solid var(--border); padding: .5rem 0; } .finding p { margin: .25rem 0; }
.finding code { font-family: ui-monospace, monospace; word-break: break-all; }
.badge { display: inline-block; border-radius: 3px; padding: 0 .35rem; font-size: 11px; text-transform: uppercase; background: var(--border); color: var(--fg); }
.badge.sev-critical, .badge.sev-high { background: #cf222e; color: #fff; } .badge.sev-medium { background: #bf8700; color: #fff; }
.badge.sev-low { background: #57606a; color: #fff; }
.badge-grew { background: var(--grew); color: #fff; } .badge-shrank { background: var(--shrank); color: #fff; }
.badge-base { background: var(--base); color: #fff; } .badge-head { background: var(--head); color: #fff; }
.swatch { padding: 0 .4rem; border-radius: 3px; color: #000; } .swatch.grew { background: hsl(0, 80%, 60%); } .swatch.shrank { background: hsl(120, 60%, 60%); }
.state { border: 1px dashed var(--border); border-radius: 6px; padding: 1.5rem; text-align: center; color: var(--muted); margin: 1rem 0; }
.state strong { display: block; color: var(--fg); font-size: 1.05rem; } .state-error strong { color: #cf222e; }
.token-form { display: flex; gap: .5rem; justify-content: center; }
.fg-controls { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .3rem 0; }
.fg-controls input { width: 18rem; } .fg-status { color: var(--muted); }
.fg-tooltip { pointer-events: none; white-space: pre; background: #222; color: #fff; padding: .35rem .5rem; border-radius: 4px; font: 12px ui-monospace, monospace; z-index: 10; max-width: 600px; overflow: hidden; }
.flamegraph canvas { display: block; }
.top-controls { display: flex; gap: .75rem; align-items: center; margin-bottom: .3rem; } .top-filter { width: 20rem; }
.table-scroll { max-height: 32rem; overflow: auto; border: 1px solid var(--border); border-radius: 4px; }
table { border-collapse: collapse; width: 100%; } th, td { padding: .2rem .5rem; text-align: left; border-bottom: 1px solid var(--border); }
thead th { position: sticky; top: 0; background: var(--panel); z-index: 1; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.fn { font: 12px ui-monospace, monospace; word-break: break-all; }
tbody tr { cursor: pointer; } tbody tr:hover { background: var(--panel); } tr.selected { background: color-mix(in srgb, var(--accent) 18%, transparent) !important; }
th button.sort { border: 0; background: transparent; padding: 0; font-weight: 600; }
button.link { border: 0; background: transparent; color: var(--accent); padding: 0; text-decoration: underline; }
tr.grew td.delta { color: var(--grew); } tr.shrank td.delta { color: var(--shrank); }
.diff-controls { border: 1px solid var(--border); border-radius: 6px; display: grid; gap: .35rem; }
.exports a { margin: 0 .1rem; }
.layout.layout-triage { grid-template-columns: minmax(0, 1fr); } .layout.layout-triage > aside { display: none; }
.triage td { vertical-align: top; } .triage .triage-service { font-weight: 600; }
.triage .triage-fn code { word-break: break-all; } .triage tbody tr:focus-visible { outline: 2px solid var(--accent); }
.badge.kind-healthy { background: var(--shrank); color: #fff; } .badge[class*=kind-][class*=-bound] { background: var(--head); color: #fff; }
.badge.kind-waiting { background: var(--base); color: #fff; }
`;
