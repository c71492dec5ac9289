// A log-summary job for bench/diff-sensitivity.ts: tokenises CSV lines by hand, parses JSON
// payloads, aggregates and renders. Fixed work, as a CI benchmark has.
// Usage: node diff-sensitivity-job.mjs EXTRA_PCT
// EXTRA_PCT plants more work in tokenizeCsv alone: it tokenises that many percent more lines
// (the first lines again), so 5 means exactly 5% more work in that one function.
const extraPct = Number(process.argv[2] ?? 0);
const LINES = 12000;
const ROUNDS = 4;

function makeLines() {
  const lines = [];
  for (let i = 0; i < LINES; i++) {
    const payload = JSON.stringify({
      user: `u${i % 997}`,
      bytes: (i * 7919) % 65536,
      tags: ['a', 'b', `t${i % 13}`],
    });
    lines.push(
      `${i},2026-12-07T10:${String(i % 60).padStart(2, '0')}:00Z,GET,/api/items/${i % 211},${200 + (i % 3)},"${payload.replace(/"/g, '""')}"`,
    );
  }
  return lines;
}

function tokenizeCsv(line) {
  const fields = [];
  let start = 0;
  let i = 0;
  while (i <= line.length) {
    if (line.charCodeAt(i) === 34) {
      // A quoted field: find the closing quote, skipping doubled quotes.
      let end = i + 1;
      let escaped = false;
      for (;;) {
        end = line.indexOf('"', end);
        if (line.charCodeAt(end + 1) === 34) {
          escaped = true;
          end += 2;
        } else break;
      }
      const raw = line.slice(i + 1, end);
      fields.push(escaped ? raw.replaceAll('""', '"') : raw);
      i = end + 2;
      start = i;
      continue;
    }
    const comma = line.indexOf(',', i);
    const end = comma < 0 ? line.length : comma;
    fields.push(line.slice(start, end));
    i = end + 1;
    start = i;
  }
  return fields;
}

function parsePayloads(rows) {
  return rows.map((fields) => ({ path: fields[3], status: fields[4], payload: JSON.parse(fields[5]) }));
}

function aggregate(records) {
  const byPath = new Map();
  for (const r of records) {
    const entry = byPath.get(r.path) ?? { hits: 0, bytes: 0, users: new Set() };
    entry.hits++;
    entry.bytes += r.payload.bytes;
    entry.users.add(r.payload.user);
    byPath.set(r.path, entry);
  }
  return byPath;
}

function render(byPath) {
  return [...byPath.entries()]
    .sort((a, b) => b[1].hits - a[1].hits)
    .map(([path, e]) => `${path} ${e.hits} ${e.bytes} ${e.users.size}`)
    .join('\n');
}

const lines = makeLines();
const extra = Math.round((LINES * extraPct) / 100);
let out = '';
let planted = 0;
for (let round = 0; round < ROUNDS; round++) {
  const rows = lines.map(tokenizeCsv);
  for (let i = 0; i < extra; i++) planted += tokenizeCsv(lines[i % LINES]).length;
  out = render(aggregate(parsePayloads(rows)));
}
console.log(`${out.length} ${planted}`);
