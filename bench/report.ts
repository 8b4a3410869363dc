// Plain-text tables for the console.

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : v === Number.POSITIVE_INFINITY ? '∞' : '-');
export const ratio = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a');
/** null: cannot be judged (e.g. a ratio of two saturated runs). */
export const verdict = (ok: boolean | null) => (ok === null ? 'n/a' : ok ? 'PASS' : 'MISS');

export function heading(title: string): string {
  return `\n== ${title} ${'='.repeat(Math.max(0, 76 - title.length))}`;
}
