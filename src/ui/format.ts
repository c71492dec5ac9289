/**
 * Numbers as the UI shows them, by the profile's unit. Pure; embedded in the page with
 * Function.prototype.toString (the flame graph client keeps its own copy for the reports).
 */

/** formatValue shows a value in its unit: durations scale to s/ms/µs, bytes to KiB/MiB/GiB. */
export function formatValue(v: number, unit: string): string {
  const abs = Math.abs(v);
  if (unit === 'nanoseconds') {
    if (abs >= 1e9) return `${(v / 1e9).toFixed(2)} s`;
    if (abs >= 1e6) return `${(v / 1e6).toFixed(2)} ms`;
    if (abs >= 1e3) return `${(v / 1e3).toFixed(2)} µs`;
    return `${v.toFixed(0)} ns`;
  }
  if (unit === 'microseconds') return abs >= 1e3 ? `${(v / 1e3).toFixed(2)} ms` : `${v.toFixed(0)} µs`;
  if (unit === 'bytes') {
    if (abs >= 2 ** 30) return `${(v / 2 ** 30).toFixed(2)} GiB`;
    if (abs >= 2 ** 20) return `${(v / 2 ** 20).toFixed(2)} MiB`;
    if (abs >= 2 ** 10) return `${(v / 2 ** 10).toFixed(2)} KiB`;
    return `${v.toFixed(0)} B`;
  }
  const n = Number(v.toPrecision(4));
  return unit && unit !== 'count' ? `${n.toLocaleString('en')} ${unit}` : n.toLocaleString('en');
}

/** formatShare shows a fraction of a total as a percentage. */
export function formatShare(v: number, total: number): string {
  if (!total) return '0%';
  const p = (v / total) * 100;
  return `${p >= 10 ? p.toFixed(1) : p.toFixed(2)}%`;
}

/** escapeText makes text safe for innerHTML (the UI builds most DOM with textContent instead). */
export function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
