/// <reference lib="dom" />
import { el } from './dom.js';

/** UiFinding is the part of an autoprof.findings/v1 finding the panel shows. */
export interface UiFinding {
  id: string;
  category: string;
  title: string;
  severity: string;
  confidence: number;
  location: { function: string; file?: string; line?: number };
  evidence?: Record<string, unknown>;
  suggestions?: string[];
}

/** FindingsDoc is the /api/v1/findings answer. */
export interface FindingsDoc {
  classification?: { kind: string };
  findings: UiFinding[];
}

/**
 * renderFindingsPanel lists the diagnosis of the selected range, most important first; each
 * finding's button shows its frame in the flame graph (onShow gets the function name).
 */
export function renderFindingsPanel(
  container: HTMLElement,
  doc: FindingsDoc,
  onShow: (fn: string) => void,
): void {
  const list = doc.findings;
  const head = el(
    'p',
    { className: 'muted' },
    doc.classification ? `Workload: ${doc.classification.kind}. ` : '',
    list.length === 0
      ? 'No findings for this range.'
      : `${list.length} finding${list.length === 1 ? '' : 's'}.`,
  );
  const items = list.map((f) => {
    const where = [f.location.file, f.location.line ? String(f.location.line) : ''].filter(Boolean).join(':');
    const evidence = Object.entries(f.evidence ?? {})
      .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
      .slice(0, 4)
      .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`);
    return el(
      'article',
      {
        className: `finding sev-${f.severity}`,
        'data-function': f.location.function,
        'data-category': f.category,
      },
      el(
        'header',
        {},
        el('span', { className: `badge sev-${f.severity}` }, f.severity),
        ' ',
        el('strong', {}, f.title),
      ),
      el(
        'p',
        {},
        'In ',
        el('code', {}, f.location.function || '(no frame)'),
        where ? el('span', { className: 'muted' }, ` ${where}`) : null,
        ` · confidence ${Math.round(f.confidence * 100)}%`,
      ),
      evidence.length ? el('p', { className: 'muted small' }, evidence.join(' · ')) : null,
      f.suggestions?.length ? el('p', { className: 'small' }, f.suggestions[0]) : null,
      f.location.function
        ? el(
            'button',
            {
              type: 'button',
              'data-show-frame': f.location.function,
              onclick: () => onShow(f.location.function),
            },
            'Show in flame graph',
          )
        : null,
    );
  });
  container.replaceChildren(head, ...items);
}
