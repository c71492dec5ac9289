/**
 * A client for the one Prometheus HTTP API call autoprof needs: range queries
 * (GET /api/v1/query_range). No client library: the API is a URL and a JSON envelope.
 */

/** PromSeries is one returned series: its labels and (Unix seconds, value) points. */
export interface PromSeries {
  labels: Record<string, string>;
  points: Array<[number, number]>;
}

/** PrometheusError is a failed query: unreachable, non-2xx, or status "error" in the body. */
export class PrometheusError extends Error {}

/** queryRange evaluates `query` over [start, end] (Unix seconds) every `step` seconds. */
export async function queryRange(
  baseUrl: string,
  query: string,
  start: number,
  end: number,
  step: number,
  timeoutMs = 10_000,
): Promise<PromSeries[]> {
  const url = new URL('/api/v1/query_range', baseUrl);
  url.search = new URLSearchParams({
    query,
    start: String(start),
    end: String(end),
    step: String(Math.max(1, step)),
  }).toString();
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new PrometheusError(`prometheus at ${baseUrl} unreachable: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => undefined)) as
    | {
        status: string;
        error?: string;
        data?: {
          resultType: string;
          result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;
        };
      }
    | undefined;
  if (!res.ok || !body || body.status !== 'success' || !body.data) {
    throw new PrometheusError(`prometheus query failed (${res.status}): ${body?.error ?? 'no JSON body'}`);
  }
  if (body.data.resultType !== 'matrix') return [];
  return body.data.result.map((r) => ({
    labels: r.metric,
    points: r.values
      .map(([t, v]) => [Number(t), Number(v)] as [number, number])
      .filter(([, v]) => Number.isFinite(v)),
  }));
}

/** promString quotes a value for a PromQL string literal (label values substituted into queries). */
export function promString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
