/** Plain fixed-width tables for the terminal. */
export type Cell = string | number;

function show(v: Cell): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return '-';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export function table(title: string, header: string[], rows: Cell[][]): string {
  const cells = [header, ...rows.map((r) => r.map(show))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  return [`## ${title}`, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line), ''].join('\n');
}
