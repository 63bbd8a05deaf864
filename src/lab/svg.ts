/**
 * Minimal, dependency-free SVG line charts for the lab report: a row of panels sharing one legend, each with
 * its own axes, a dashed reference line (the optimum) and one polyline per series. Written by hand rather than
 * through Vega-Lite: the report needs one chart type, and this keeps the lab free of a large dependency tree.
 */
export interface Series {
  name: string;
  values: readonly number[];
}

export interface Panel {
  title: string;
  series: readonly Series[];
  /** Dashed horizontal line, e.g. the optimum. */
  reference?: number;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Colour per series name (the same across panels and figures). */
  colours: ReadonlyMap<string, string>;
}

/** Tableau 10: distinguishable, colour-blind-aware categorical colours. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#1f1f1f', '#8cd17d'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

/** Nice tick values covering [lo, hi] (about `count` of them). */
export function ticks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step) out.push(Number((Math.round(v / step) * step).toPrecision(12)) + 0); // + 0 turns −0 into 0
  return out;
}

export function lineChart(panels: readonly Panel[], o: ChartOptions): string {
  const pw = 300;
  const ph = 200;
  const margin = { left: 46, right: 14, top: 44, bottom: 40 };
  const names = [...new Set(panels.flatMap((p) => p.series.map((s) => s.name)))];
  const legendRows = Math.ceil(names.length / 6);
  const width = panels.length * (pw + margin.left + margin.right);
  const height = margin.top + ph + margin.bottom + 18 * legendRows + 8;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${width / 2}" y="16" text-anchor="middle" font-size="14" font-weight="bold">${esc(o.title)}</text>`);
  panels.forEach((panel, i) => {
    const x0 = i * (pw + margin.left + margin.right) + margin.left;
    const y0 = margin.top;
    const all = panel.series.flatMap((s) => s.values).filter(Number.isFinite);
    if (panel.reference !== undefined) all.push(panel.reference);
    let lo = Math.min(...all);
    let hi = Math.max(...all);
    if (!(hi > lo)) {
      lo -= 0.5;
      hi += 0.5;
    }
    const pad = 0.04 * (hi - lo);
    lo -= pad;
    hi += pad;
    const n = Math.max(1, ...panel.series.map((s) => s.values.length - 1));
    const sx = (k: number) => x0 + (k / n) * pw;
    const sy = (v: number) => y0 + ph - ((v - lo) / (hi - lo)) * ph;
    parts.push(`<text x="${x0 + pw / 2}" y="${y0 - 8}" text-anchor="middle" font-size="12">${esc(panel.title)}</text>`);
    for (const t of ticks(lo, hi, 5)) {
      parts.push(`<line x1="${x0}" x2="${x0 + pw}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#e6e6e6"/>`);
      parts.push(`<text x="${x0 - 4}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" fill="#555">${fmt(t)}</text>`);
    }
    for (const t of ticks(0, n, 4)) {
      parts.push(`<text x="${sx(t).toFixed(1)}" y="${y0 + ph + 14}" text-anchor="middle" fill="#555">${fmt(t)}</text>`);
    }
    parts.push(`<rect x="${x0}" y="${y0}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
    if (panel.reference !== undefined) {
      const y = sy(panel.reference).toFixed(1);
      parts.push(`<line x1="${x0}" x2="${x0 + pw}" y1="${y}" y2="${y}" stroke="#333" stroke-dasharray="4 3"/>`);
    }
    for (const s of panel.series) {
      const pts = s.values.map((v, k) => `${sx(k).toFixed(1)},${sy(v).toFixed(1)}`).join(' ');
      parts.push(`<polyline fill="none" stroke="${o.colours.get(s.name) ?? '#000'}" stroke-width="1.6" stroke-opacity="0.9" points="${pts}"><title>${esc(s.name)}</title></polyline>`);
    }
    parts.push(`<text x="${x0 + pw / 2}" y="${y0 + ph + 30}" text-anchor="middle" fill="#333">${esc(o.xLabel)}</text>`);
    parts.push(`<text transform="translate(${x0 - 34},${y0 + ph / 2}) rotate(-90)" text-anchor="middle" fill="#333">${esc(o.yLabel)}</text>`);
  });
  const ly = margin.top + ph + margin.bottom + 4;
  names.forEach((name, i) => {
    const x = 20 + (i % 6) * 150;
    const y = ly + Math.floor(i / 6) * 18;
    parts.push(`<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${o.colours.get(name) ?? '#000'}" stroke-width="3"/>`);
    parts.push(`<text x="${x + 28}" y="${y + 4}">${esc(name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

export interface GridCell {
  /** Fraction in [0, 1] that colours the cell (white → green). */
  fill: number;
  /** Text in the cell. */
  label: string;
  /** Draws a red corner mark (e.g. some run had a drop in J). */
  flag: boolean;
}

/**
 * A table-shaped chart: one row per `rows` entry, columns grouped under `groups` headers, each cell coloured by its
 * `fill` fraction, labelled, and marked in red when flagged. The report's overview of every algorithm at once.
 */
export function gridChart(title: string, groups: readonly { name: string; columns: readonly string[] }[], rows: readonly string[], cells: readonly (readonly GridCell[])[], note: string): string {
  const cw = 70;
  const ch = 22;
  const left = 130;
  const top = 64;
  const cols = groups.reduce((n, g) => n + g.columns.length, 0);
  const width = left + cols * cw + 20;
  const height = top + rows.length * ch + 40;
  const green = (f: number) => {
    const mix = (a: number, b: number) => Math.round(a + (b - a) * Math.max(0, Math.min(1, f)));
    return `rgb(${mix(255, 89)},${mix(255, 161)},${mix(255, 79)})`;
  };
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${width / 2}" y="16" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  let c = 0;
  for (const g of groups) {
    const x = left + c * cw;
    parts.push(`<text x="${x + (g.columns.length * cw) / 2}" y="${top - 26}" text-anchor="middle" font-weight="bold">${esc(g.name)}</text>`);
    g.columns.forEach((name, i) => parts.push(`<text x="${x + i * cw + cw / 2}" y="${top - 8}" text-anchor="middle" fill="#333">${esc(name)}</text>`));
    parts.push(`<line x1="${x}" x2="${x}" y1="${top - 36}" y2="${top + rows.length * ch}" stroke="#888"/>`);
    c += g.columns.length;
  }
  rows.forEach((name, r) => {
    const y = top + r * ch;
    parts.push(`<text x="${left - 6}" y="${y + ch / 2 + 4}" text-anchor="end">${esc(name)}</text>`);
    cells[r]!.forEach((cell, i) => {
      const x = left + i * cw;
      parts.push(`<rect x="${x}" y="${y}" width="${cw}" height="${ch}" fill="${green(cell.fill)}" stroke="#ddd"/>`);
      parts.push(`<text x="${x + cw / 2}" y="${y + ch / 2 + 4}" text-anchor="middle">${esc(cell.label)}</text>`);
      if (cell.flag) parts.push(`<path d="M${x + cw - 9},${y} L${x + cw},${y} L${x + cw},${y + 9} Z" fill="#e15759"/>`);
    });
  });
  parts.push(`<text x="${left}" y="${height - 14}" fill="#555">${esc(note)}</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
