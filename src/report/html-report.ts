import type { Finding, FindingsDocument } from '../analysis/findings.js';
import { escapeHtml, renderFlameGraphSection, renderHtmlPage } from '../flamegraph/html.js';
import { type FlameLevels, flameNodeFromCallTree, toLevels } from '../flamegraph/levels.js';
import type { Profile } from '../model/profile.js';
import { buildCallTree } from '../model/tree.js';
import { formatEvidence } from './findings-markdown.js';
import { type MetricSeries, renderSparklineSvg } from './sparkline.js';

/** RunReportInput is everything report.html shows; only `findings` is required. */
export interface RunReportInput {
  /** findings is the findings.json document. */
  findings: FindingsDocument;
  /** profile is the merged profile of the run (profile.pb.gz), for the flame graphs. */
  profile?: Profile;
  /** sampleTypeIndex picks the flame graph shown first (default: the profile's default type, else 0). */
  sampleTypeIndex?: number;
  /** metrics are drawn as small charts (see readRunMetricSeries in run-metrics.ts). */
  metrics?: MetricSeries[];
}

const MAX_FLAME_NODES = 30_000;
const MAX_FINDINGS = 25;

const REPORT_STYLE = `<style>
.sev { display: inline-block; padding: 0 .45rem; border-radius: 3px; font-size: .8rem; font-weight: 600; color: #fff; }
.sev-critical { background: #8b0000; } .sev-high { background: #cf222e; } .sev-medium { background: #bf8700; }
.sev-low { background: #57606a; } .sev-info { background: #8c959f; }
.finding { border: 1px solid var(--border); border-radius: 6px; padding: .5rem 1rem; margin: .8rem 0; }
.finding h3 { margin: .3rem 0; font-size: 1.05rem; } .finding .meta { color: var(--muted); }
.finding ol.stack { font: 12px ui-monospace, monospace; margin: .3rem 0; padding-left: 1.6rem; max-height: 12rem; overflow: auto; }
.finding ol.stack li.own { font-weight: 700; } .finding ol.stack li.hot { font-weight: 700; color: #d9480f; }
.sparks { display: flex; flex-wrap: wrap; gap: 1rem; }
.spark { margin: 0; } .spark figcaption { font-size: .85rem; } .spark-peak { color: var(--muted); }
.spark svg { color: #d9480f; } .spark-bg { fill: none; stroke: var(--border); } .spark-empty { fill: var(--muted); font-size: 12px; }
</style>`;

// Clicking "show in flame graph" types the function into the first flame graph's search box,
// so the reader lands on the highlighted frames without retyping a name.
const FINDING_SCRIPT = `<script>
document.addEventListener('click', function (ev) {
  var b = ev.target.closest && ev.target.closest('[data-flame-search]');
  if (!b) return;
  var input = document.querySelector('.flamegraph input[type=search]');
  if (!input) return;
  input.value = '^' + b.getAttribute('data-flame-search').replace(/[.*+?^$()|[\\]{}\\\\]/g, '\\\\$&') + '$';
  input.dispatchEvent(new Event('input'));
  input.closest('.flamegraph').scrollIntoView({ behavior: 'smooth', block: 'center' });
});
</script>`;

/** FlameGroup is one flame graph: the sample types sharing a unit, each a dataset (button). */
export interface FlameGroup {
  unit: string;
  datasets: Record<string, FlameLevels>;
}

/**
 * flameGroupsOf lays out one dataset per sample type with any weight, grouped by unit (the
 * client formats one unit per graph), the group of `first` first. A `samples`/`count` type is
 * dropped when a time type exists: it is the same picture with a worse unit.
 */
export function flameGroupsOf(profile: Profile, first: number): FlameGroup[] {
  const tree = buildCallTree(profile);
  const types = profile.sampleTypes.map((t, i) => ({ ...t, i, total: tree.root.total[i] }));
  const hasTime = types.some((t) => /seconds$/.test(t.unit) && t.total > 0);
  const kept = types.filter((t) => t.total > 0 && !(hasTime && t.unit === 'count' && t.i !== first));
  kept.sort((a, b) => (a.i === first ? -1 : b.i === first ? 1 : a.i - b.i));
  const groups = new Map<string, FlameGroup>();
  for (const t of kept) {
    const group = groups.get(t.unit) ?? { unit: t.unit, datasets: {} };
    group.datasets[t.type] = toLevels(flameNodeFromCallTree(tree.root, t.i), { maxNodes: MAX_FLAME_NODES });
    groups.set(t.unit, group);
  }
  return [...groups.values()];
}

function defaultTypeIndex(profile: Profile, requested: number | undefined): number {
  if (requested !== undefined && requested >= 0 && requested < profile.sampleTypes.length) return requested;
  const named = profile.sampleTypes.findIndex((t) => t.type === profile.defaultSampleType);
  return Math.max(named, 0);
}

function evidenceTable(evidence: Finding['evidence'], id: string): string {
  const rows = Object.entries(evidence).map(
    ([k, v]) =>
      `<tr><td>${escapeHtml(k.replace(/_/g, ' '))}</td><td class="num">${escapeHtml(formatEvidence(v))}</td><td>${escapeHtml(v.source ?? '')}</td></tr>`,
  );
  if (rows.length === 0) return '';
  return `<table class="evidence" id="${id}"><tr><th>evidence</th><th class="num">value</th><th>source</th></tr>${rows.join('')}</table>`;
}

function locationText(f: Finding): string {
  const file = f.location.file.replace(/^file:\/\//, '');
  return file ? `${file}${f.location.line ? `:${f.location.line}` : ''}` : '';
}

/** hotspotHtml: where below the program's frame the time goes (function, package, share). */
function hotspotHtml(f: Finding): string {
  const h = f.hotspot;
  if (!h) return '';
  const file = h.file.replace(/^file:\/\//, '');
  const where = file ? `${file}${h.line ? `:${h.line}` : ''}` : '';
  const pkg = h.package
    ? ` in <strong>${escapeHtml(h.package)}${h.version ? `@${escapeHtml(h.version)}` : ''}</strong>`
    : '';
  const entry = h.entry ? `, entered through <code>${escapeHtml(h.entry.function)}</code>` : '';
  return `<p class="hotspot">Time spent in <code class="hotspot-function">${escapeHtml(h.function)}</code>${where ? ` <span class="meta">${escapeHtml(where)}</span>` : ''}${pkg} (${escapeHtml(h.origin)}, ${Math.round(h.share * 1000) / 10}% of the location's time${entry}) <button type="button" data-flame-search="${escapeHtml(h.function)}">show in flame graph</button></p>`;
}

/** renderFindingHtml is one finding: what, where, the numbers behind it, and what to do. */
export function renderFindingHtml(f: Finding, index: number): string {
  const id = `finding-${index + 1}`;
  const where = locationText(f);
  const stack = f.stack
    .map(
      (frame) =>
        `<li${frame === f.location.function ? ' class="own"' : frame === f.hotspot?.function ? ' class="hot"' : ''}><code>${escapeHtml(frame)}</code></li>`,
    )
    .join('');
  const out = [
    `<article class="finding" id="${id}" data-category="${escapeHtml(f.category)}" data-function="${escapeHtml(f.location.function)}" data-severity="${escapeHtml(f.severity)}">`,
    `<h3>${index + 1}. ${escapeHtml(f.title)}</h3>`,
    `<p class="meta"><span class="sev sev-${escapeHtml(f.severity)}">${escapeHtml(f.severity)}</span> confidence ${Math.round(f.confidence * 100)}% · ${escapeHtml(f.category)} · pattern <code>${escapeHtml(f.pattern_id)}</code></p>`,
    `<p>In <code class="location">${escapeHtml(f.location.function)}</code>${where ? ` <span class="meta">${escapeHtml(where)}</span>` : ''} <button type="button" data-flame-search="${escapeHtml(f.location.function)}">show in flame graph</button></p>`,
  ];
  const hot = f.hotspot ? hotspotHtml(f) : '';
  if (hot) out.push(hot);
  if (f.description) out.push(`<p>${escapeHtml(f.description)}</p>`);
  out.push(evidenceTable(f.evidence, `${id}-evidence`));
  if (f.spread) {
    const runs = f.spread.per_run.map((x) => (x === null ? '–' : String(x))).join(', ');
    out.push(
      `<p class="meta">Across ${f.spread.runs} runs (${escapeHtml(f.spread.metric)}): ${escapeHtml(runs)}; median ${f.spread.median} ${escapeHtml(f.spread.unit)}, cv ${f.spread.cv}</p>`,
    );
  }
  if (stack)
    out.push(
      `<details><summary>Stack (root → leaf, ${f.stack.length} frames)</summary><ol class="stack">${stack}</ol></details>`,
    );
  if (f.suggestions.length > 0)
    out.push(
      `<h4>Suggestions</h4><ul>${f.suggestions.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>`,
    );
  if (f.verify) out.push(`<p><strong>Verify:</strong> ${escapeHtml(f.verify)}</p>`);
  if (f.references?.length > 0)
    out.push(
      `<p class="meta">References: ${f.references.map((r) => `<a href="${escapeHtml(r)}" rel="noreferrer">${escapeHtml(r)}</a>`).join(', ')}</p>`,
    );
  out.push('</article>');
  return out.join('\n');
}

function headerHtml(doc: FindingsDocument): string {
  const target = doc.target.argv.length > 0 ? doc.target.argv.join(' ') : '(profile)';
  const run = doc.run;
  const facts = [
    run.wall_s !== null ? `wall ${run.wall_s.toFixed(2)} s` : '',
    run.exit_status !== null ? `exit status ${run.exit_status}` : '',
    `${run.runs} run${run.runs === 1 ? '' : 's'}`,
    run.collectors.length > 0 ? `collectors: ${run.collectors.join(', ')}` : '',
  ].filter(Boolean);
  const c = doc.classification;
  const evidence = Object.entries(c.evidence)
    .map(
      ([k, v]) =>
        `<tr><td>${escapeHtml(k.replace(/_/g, ' '))}</td><td class="num">${escapeHtml(formatEvidence(v))}</td></tr>`,
    )
    .join('');
  return [
    `<h1>autoprof report</h1>`,
    `<p>Target: <code id="target">${escapeHtml(target)}</code></p>`,
    `<p class="meta">${escapeHtml(facts.join(' · '))}</p>`,
    `<h2>Classification</h2>`,
    `<p id="classification" data-kind="${escapeHtml(c.kind)}"><strong>${escapeHtml(c.kind)}</strong>: ${escapeHtml(c.summary)}</p>`,
    evidence ? `<table id="classification-evidence">${evidence}</table>` : '',
  ].join('\n');
}

/**
 * renderRunReportHtml writes report.html of `autoprof run` / `autoprof analyze`: one offline
 * file with the classification, interactive flame graphs (one per unit, a button per sample
 * type; frames named by findings outlined), the findings with their evidence, and the run's
 * metrics as small charts. Nothing is loaded from the network.
 */
export function renderRunReportHtml(input: RunReportInput): string {
  const doc = input.findings;
  const findings = doc.findings.slice(0, MAX_FINDINGS);
  const body: string[] = [REPORT_STYLE, headerHtml(doc)];
  // Both frames of a finding are outlined: the program's own (where to change code) and the
  // hotspot below it (what is slow).
  const highlight = [
    ...new Set(findings.flatMap((f) => [f.location.function, f.hotspot?.function ?? '']).filter(Boolean)),
  ];
  if (input.profile && input.profile.samples.length > 0) {
    const groups = flameGroupsOf(input.profile, defaultTypeIndex(input.profile, input.sampleTypeIndex));
    body.push(
      '<h2>Flame graph</h2>',
      '<p class="meta">Click a frame to zoom, Escape to zoom out; search takes a regular expression. Outlined frames are named by findings: the program’s own frame and the library or runtime frame below it where the time goes.</p>',
    );
    groups.forEach((g, i) => {
      const title = Object.keys(g.datasets).join(', ');
      if (i > 0) body.push(`<h3>${escapeHtml(title)} (${escapeHtml(g.unit)})</h3>`);
      body.push(
        renderFlameGraphSection(i === 0 ? 'flamegraph' : `flamegraph-${i + 1}`, {
          title: `${title} flame graph`,
          unit: g.unit,
          datasets: g.datasets,
          highlight,
        }),
      );
    });
  }
  body.push(`<h2>Findings (${doc.findings.length})</h2>`, '<div id="findings">');
  if (findings.length === 0) body.push('<p>No finding: nothing in the artifacts crossed a threshold.</p>');
  findings.forEach((f, i) => {
    body.push(renderFindingHtml(f, i));
  });
  if (doc.findings.length > findings.length)
    body.push(`<p class="meta">${doc.findings.length - findings.length} more in findings.json.</p>`);
  body.push('</div>');
  const metrics = (input.metrics ?? []).filter((m) => m.points.length > 0);
  if (metrics.length > 0) {
    body.push(
      '<h2>Metrics</h2>',
      `<div class="sparks" id="metrics">${metrics.map((m) => renderSparklineSvg(m)).join('\n')}</div>`,
    );
  }
  if (doc.notes.length > 0) {
    body.push('<h2>Notes</h2><ul id="notes">', ...doc.notes.map((n) => `<li>${escapeHtml(n)}</li>`), '</ul>');
  }
  body.push(FINDING_SCRIPT);
  const name = doc.target.argv[0]?.replace(/^.*\//, '') ?? 'profile';
  return renderHtmlPage(`autoprof report: ${name}`, body.join('\n'));
}
