import { isIP } from 'node:net';

/**
 * Without tokens the server trusts whoever can reach it, so it must not be reachable through a
 * victim's browser: a Host header must name the server (not an attacker's domain rebound to
 * 127.0.0.1), and a write must not come from another origin (a cross-site form or fetch with
 * `text/plain`, which browsers send without a preflight).
 */

/** hostAllowed: IP literals, `localhost` (and `*.localhost`) and the configured names pass. */
export function hostAllowed(hostHeader: string | undefined, allowedHosts: readonly string[]): boolean {
  if (!hostHeader) return false;
  const host = hostnameOf(hostHeader);
  if (host === 'localhost' || host.endsWith('.localhost') || isIP(host) !== 0) return true;
  return allowedHosts.some((h) => h.toLowerCase() === host);
}

/** crossOriginWrite: a browser says so (Sec-Fetch-Site), or Origin names another host than Host. */
export function crossOriginWrite(headers: {
  origin?: string;
  host?: string;
  'sec-fetch-site'?: string;
}): boolean {
  const site = headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = headers.origin;
  if (!origin || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host.toLowerCase() !== (headers.host ?? '').toLowerCase();
  } catch {
    return true;
  }
}

function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}
