/**
 * A small grouped horizontal bar chart as SVG text, written by hand (no dependency): one panel per
 * metric family (throughput, latency), one group per scenario, one bar per target.
 */

/** One panel: groups of bars sharing a unit and a linear scale from zero. */
export interface ChartPanel {
  title: string;
  unit: string;
  groups: { label: string; bars: { series: string; value: number | undefined }[] }[];
}

const COLORS = ['#d9822b', '#2b6cd9', '#7a7a7a', '#2ba36b', '#9b4dca'];
const WIDTH = 900;
const LABEL_W = 300;
const BAR_H = 14;
const GAP = 10;

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const fmt = (n: number): string =>
  n >= 100
    ? Math.round(n).toLocaleString('en-US')
    : n.toLocaleString('en-US', { maximumFractionDigits: 2 });

/** Renders the panels one under the other, with a legend for `series` (in that order). */
export function renderChart(title: string, series: string[], panels: ChartPanel[]): string {
  const color = (s: string): string => COLORS[series.indexOf(s) % COLORS.length] ?? '#000';
  const out: string[] = [];
  let y = 30;
  out.push(
    `<text x="10" y="20" font-size="16" font-weight="bold">${esc(title)}</text>`,
    ...series.map(
      (s, i) =>
        `<rect x="${10 + i * 220}" y="${y}" width="12" height="12" fill="${color(s)}"/>` +
        `<text x="${26 + i * 220}" y="${y + 11}" font-size="12">${esc(s)}</text>`,
    ),
  );
  y += 30;
  const plotW = WIDTH - LABEL_W - 90;
  for (const p of panels) {
    out.push(
      `<text x="10" y="${y + 14}" font-size="14" font-weight="bold">${esc(p.title)} (${esc(p.unit)})</text>`,
    );
    y += 24;
    const max = Math.max(1e-9, ...p.groups.flatMap((g) => g.bars.map((b) => b.value ?? 0)));
    for (const g of p.groups) {
      const h = g.bars.length * BAR_H;
      out.push(
        `<text x="${LABEL_W - 8}" y="${y + h / 2 + 4}" font-size="12" text-anchor="end">${esc(g.label)}</text>`,
      );
      for (const b of g.bars) {
        const w = b.value === undefined ? 0 : Math.max(1, (b.value / max) * plotW);
        out.push(
          `<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H - 2}" fill="${color(b.series)}"/>`,
          `<text x="${LABEL_W + w + 4}" y="${y + BAR_H - 3}" font-size="10">${
            b.value === undefined ? '–' : fmt(b.value)
          }</text>`,
        );
        y += BAR_H;
      }
      y += GAP;
    }
    y += 10;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
