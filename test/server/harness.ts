import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer, type ServerOptions } from '../../src/server/app.js';
import { openDuckDbStore } from '../../src/server/store/duckdb.js';
import type { ProfileStore } from '../../src/server/store/types.js';

/** TestServer is a real server on 127.0.0.1 with a real DuckDB store in a temp directory. */
export interface TestServer {
  url: string;
  store: ProfileStore;
  dir: string;
  close(): Promise<void>;
}

/** startTestServer listens on an ephemeral port; `close` stops it and removes the data. */
export async function startTestServer(options: Omit<ServerOptions, 'store'> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'autoprof-server-'));
  const store = await openDuckDbStore({ dir });
  const app = await buildServer({ ...options, store });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    store,
    dir,
    async close() {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** nowSeconds is the current Unix time in seconds (what agents send as from/until). */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** flameNames lists frame names of a render response that have a non-zero width. */
export function renderNames(body: { flamebearer: { names: string[]; levels: number[][] } }): Set<string> {
  const out = new Set<string>();
  for (const row of body.flamebearer.levels) {
    for (let i = 0; i < row.length; i += 4) if (row[i + 1] > 0) out.add(body.flamebearer.names[row[i + 3]]);
  }
  return out;
}
