import { UsageError } from '../errors.js';

/**
 * fetchServerJson GETs `path` (with query parameters) from an autoprof server and returns the
 * JSON body. Any failure is one line naming the server: unreachable, a non-2xx answer (with the
 * server's own message), or a body that is not JSON. AUTOPROF_TOKEN, when set, is sent as bearer.
 */
export async function fetchServerJson(
  command: string,
  server: string,
  path: string,
  params: Record<string, string | undefined>,
): Promise<unknown> {
  let url: URL;
  try {
    url = new URL(path, server.endsWith('/') ? server : `${server}/`);
  } catch {
    throw new UsageError(`${command}: --server is not a URL: ${server}`);
  }
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  const headers: Record<string, string> = {};
  if (process.env.AUTOPROF_TOKEN) headers.authorization = `Bearer ${process.env.AUTOPROF_TOKEN}`;
  let r: Response;
  try {
    r = await fetch(url, { headers, signal: AbortSignal.timeout(120_000) });
  } catch (err) {
    const c = (err as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } })
      .cause;
    const cause = c?.code ?? c?.errors?.[0]?.code ?? c?.message ?? (err as Error).message;
    throw new UsageError(`${command}: cannot reach ${url.origin}: ${cause}`);
  }
  const text = await r.text();
  if (!r.ok) {
    let message = text.trim().slice(0, 300);
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {}
    throw new UsageError(`${command}: ${url.origin} answered ${r.status}: ${message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${command}: ${url.origin} did not answer JSON`);
  }
}

/** renderTable aligns rows of cells under a header, two spaces apart (plain text for a terminal). */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
