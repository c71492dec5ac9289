// CPU-bound Node target for the overhead bench: JSON-heavy work, timed inside the process so
// autoprof's start-up and post-processing do not count. Prints elapsed_ms=N.
const iterations = Number(process.argv[2] ?? 300000);
const record = {
  id: 1,
  name: 'order',
  items: Array.from({ length: 12 }, (_, i) => ({ sku: `s${i}`, qty: i })),
};
const start = process.hrtime.bigint();
let checksum = 0;
for (let i = 0; i < iterations; i++) {
  record.id = i;
  checksum += JSON.parse(JSON.stringify(record)).items.length;
}
const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
console.log(`elapsed_ms=${elapsed.toFixed(3)} checksum=${checksum}`);
