import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openDuckDbStore } from './duckdb.js';
import { runStoreContract } from './store-contract.js';

const root = mkdtempSync(join(tmpdir(), 'autoprof-duckdb-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

runStoreContract({
  name: 'duckdb',
  open: (namespace) => openDuckDbStore({ dir: namespace }),
  freshNamespace: () => join(root, `ns${++n}`),
});
