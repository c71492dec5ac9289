import { timingSafeEqual } from 'node:crypto';

/**
 * Who may do what. Tenants come from `X-Scope-OrgID` (Pyroscope's and Grafana's multi-tenancy
 * header; absent means the default tenant). Tokens, when configured, are checked separately for
 * ingest and for reads, sent as `Authorization: Bearer <token>` or as the password of Basic auth
 * (what Pyroscope SDKs send with basicAuthUser/basicAuthPassword).
 */
export interface AccessOptions {
  ingestTokens?: readonly string[];
  readTokens?: readonly string[];
  /**
   * tokenTenants binds a token to the tenants it may write and read; a bound token without a
   * tenant header acts for its first tenant, and names any other tenant with 403. Unbound tokens
   * may name any tenant. Binding is what keeps a per-tenant rate limit from being escaped by
   * inventing tenants.
   */
  tokenTenants?: Readonly<Record<string, readonly string[]>>;
  defaultTenant?: string;
}

export const DEFAULT_TENANT = 'anonymous';

const TENANT_ID = /^[a-zA-Z0-9!._*'()-]{1,150}$/;

/** AccessError carries the status to answer: 400 bad tenant, 401 missing or wrong token. */
export class AccessError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** tenantOf reads the tenant header; throws AccessError(400) when it is not a valid ID. */
export function tenantOf(header: string | string[] | undefined, options: AccessOptions): string {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') return options.defaultTenant ?? DEFAULT_TENANT;
  if (!TENANT_ID.test(value) || value === '.' || value === '..') {
    throw new AccessError(400, 'invalid X-Scope-OrgID');
  }
  return value;
}

/**
 * checkToken throws AccessError(401) unless the request carries one of the tokens (if any are
 * set); it returns the token that matched.
 */
export function checkToken(
  authorization: string | undefined,
  tokens: readonly string[] | undefined,
): string | undefined {
  if (!tokens || tokens.length === 0) return undefined;
  const presented = presentedToken(authorization);
  if (presented === undefined) throw new AccessError(401, 'authentication required');
  const ok = tokens.some((t) => {
    const a = Buffer.from(t);
    const b = Buffer.from(presented);
    return a.length === b.length && timingSafeEqual(a, b);
  });
  if (!ok) throw new AccessError(401, 'invalid token');
  return presented;
}

/** tenantForToken applies a token's tenant binding to the tenant the request names (or not). */
export function tenantForToken(
  token: string | undefined,
  header: string | string[] | undefined,
  options: AccessOptions,
): string {
  const bound = token === undefined ? undefined : options.tokenTenants?.[token];
  if (!bound || bound.length === 0) return tenantOf(header, options);
  const named = Array.isArray(header) ? header[0] : header;
  if (named === undefined || named === '') return bound[0];
  const tenant = tenantOf(header, options);
  if (!bound.includes(tenant)) throw new AccessError(403, `this token may not use tenant '${tenant}'`);
  return tenant;
}

function presentedToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization);
  if (bearer) return bearer[1].trim();
  const basic = /^Basic\s+(.+)$/i.exec(authorization);
  if (basic) {
    const decoded = Buffer.from(basic[1].trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : decoded;
  }
  return undefined;
}
