import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { corporaDir } from './corpora.js';

// Goldens, expected outputs, indexes, licences, deliberately invalid samples (tested by their
// importers), label side files and OpenTelemetry protobuf (not a format autoprof reads).
const NOT_INPUT =
  /(^|\/)(results|derived|__snapshots__|docs)\/|\.snap$|expected|\.stdout$|\.stderr$|LICENSE|LICENSING|\.md$|\.tsv$|INDEX\.json$|\.string$|\.dot$|\.rpt$|\.st\.json$|\.out\.json$|^golang-perf\/|^gprof2dot-LGPL\/tests\/json\/|\.fixed$|go_type_parameters|otlp\/testdata|\.pb\.json$|\.labels(\.pb)?\.gz$|\/invalid\/|otel-ebpf-profile\.pb\.bin$/;

/**
 * corpusProfileInputs lists the corpus files that are profile inputs (not goldens), relative to
 * the corpora folder, sorted; files larger than `maxBytes` are left out.
 */
export function corpusProfileInputs(maxBytes = Number.POSITIVE_INFINITY): string[] {
  const root = corporaDir();
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else {
        const rel = relative(root, path);
        if (!NOT_INPUT.test(rel) && st.size <= maxBytes) out.push(rel);
      }
    }
  };
  walk(root);
  return out.sort();
}
