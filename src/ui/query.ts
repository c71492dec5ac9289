/**
 * The render query the server reads (`<profileType>{service_name="x", label matchers}`, see
 * src/server/query/resolve-query.ts) built from the UI's pickers, and label matchers split into
 * chips and joined back. Pure; embedded in the page with Function.prototype.toString.
 */

/** UiMatcher is one label matcher chip. */
export interface UiMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** buildQuery joins the profile type, the service and the extra matchers into one selector. */
export function buildQuery(type: string, service: string, matchers: string): string {
  const parts = [`service_name=${JSON.stringify(service)}`];
  if (matchers.trim()) parts.push(matchers.trim());
  return `${type}{${parts.join(',')}}`;
}

/** parseMatchers reads `a="x",b!~"y.*"`; it skips what it cannot read rather than failing. */
export function parseMatchers(text: string): UiMatcher[] {
  const out: UiMatcher[] = [];
  const re = /\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ name: m[1], op: m[2] as UiMatcher['op'], value: JSON.parse(`"${m[3]}"`) as string });
  }
  return out;
}

/** formatMatchers writes chips back as selector text. */
export function formatMatchers(matchers: UiMatcher[]): string {
  return matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(',');
}

/** typeLabel shows a profile type ID the way people name it: `process_cpu (cpu, nanoseconds)`. */
export function typeLabel(type: string): string {
  const [name, sample, unit] = type.split(':');
  return sample ? `${name} · ${sample} (${unit})` : type;
}
