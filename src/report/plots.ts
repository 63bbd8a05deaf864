/**
 * Inline SVG charts for the run report, drawn by hand like the lab's (src/lab/svg.ts, whose tick placement and
 * palette they share). The lab's charts put iteration k at position k; a run's charts need real x values (steps,
 * iterations, seconds), shaded min–max bands, dashed series, dots for sparse evaluations and marked boundaries, so
 * they live here. Every drawn series carries `data-series` (its name) and `data-points` (its point count): what a
 * test asserts, and what a reader can find in the page source.
 */
import { ticks } from '../lab/svg.js';

export interface Point {
  x: number;
  y: number;
}

export interface LineSeries {
  name: string;
  colour: string;
  /** SVG stroke-dasharray ("5 3"); solid when absent. */
  dash?: string;
  points: readonly Point[];
  /** A shaded band (e.g. min to max) drawn under the line. */
  band?: readonly { x: number; lo: number; hi: number }[];
  /** A dot at every point: for sparse series such as evaluations. */
  dots?: boolean;
}

export interface XYChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  /** A fixed x range (wall time: from 0, the run's start); otherwise fitted to the data. */
  xRange?: readonly [number, number];
  /** A fixed y range (success rates: [0, 1]); otherwise fitted to the data. */
  yRange?: readonly [number, number];
  /** Dashed vertical lines with a label, e.g. where SFT ends and RL begins. */
  markers?: readonly { x: number; label: string }[];
  /** Total width in px (the height follows). */
  width?: number;
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const PLOT_HEIGHT = 190;
const MARGIN = { left: 58, right: 16, top: 34, bottom: 42 };

/** A tick label with as many decimals as the tick spacing needs (0.002, 0.25, 40, 12k). */
export function tickLabel(v: number, step: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 10000 && step >= 1000) return `${Number((v / 1000).toPrecision(6))}k`;
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9) + (Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(3)) === 2.5 ? 1 : 0));
  return v.toFixed(Math.min(decimals, 6));
}

/** Ticks over [lo, hi]; for whole-number data only the whole ones, unless fewer than two would be left. */
function axisTicks(lo: number, hi: number, count: number, integer: boolean): number[] {
  const t = ticks(lo, hi, count);
  const whole = t.filter(Number.isInteger);
  return integer && whole.length >= 2 ? whole : t;
}

interface Frame {
  parts: string[];
  sx: (x: number) => number;
  sy: (y: number) => number;
  x0: number;
  y0: number;
  pw: number;
  ph: number;
}

/** Opens an SVG with a title, grid, tick labels and axis labels over the given ranges. */
function frame(title: string, xLabel: string, yLabel: string, width: number, height: number, x: [number, number, boolean], y: [number, number, boolean]): Frame {
  const [xlo, xhi, xInteger] = x;
  const [ylo, yhi, yInteger] = y;
  const x0 = MARGIN.left;
  const y0 = MARGIN.top;
  const pw = width - MARGIN.left - MARGIN.right;
  const ph = PLOT_HEIGHT;
  const sx = (v: number) => x0 + ((v - xlo) / (xhi - xlo)) * pw;
  const sy = (v: number) => y0 + ph - ((v - ylo) / (yhi - ylo)) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}" font-family="Helvetica, Arial, sans-serif" font-size="11">`);
  parts.push(`<text x="${width / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`);
  const yt = axisTicks(ylo, yhi, 5, yInteger);
  const ystep = yt.length > 1 ? yt[1]! - yt[0]! : Math.abs(yt[0]!) || 1;
  for (const t of yt) {
    parts.push(`<line x1="${x0}" x2="${x0 + pw}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#e8e8e8"/>`);
    parts.push(`<text x="${x0 - 5}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" fill="#555">${tickLabel(t, ystep)}</text>`);
  }
  const xt = axisTicks(xlo, xhi, 6, xInteger);
  const xstep = xt.length > 1 ? xt[1]! - xt[0]! : 1;
  for (const t of xt) parts.push(`<text x="${sx(t).toFixed(1)}" y="${y0 + ph + 15}" text-anchor="middle" fill="#555">${tickLabel(t, xstep)}</text>`);
  parts.push(`<rect x="${x0}" y="${y0}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${x0 + pw / 2}" y="${y0 + ph + 32}" text-anchor="middle" fill="#333">${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(${14},${y0 + ph / 2}) rotate(-90)" text-anchor="middle" fill="#333">${esc(yLabel)}</text>`);
  return { parts, sx, sy, x0, y0, pw, ph };
}

interface LegendEntry {
  name: string;
  colour: string;
  dash?: string;
  /** Drawn as a filled square (bars, bands) instead of a line. */
  swatch?: boolean;
}

/** Rows of legend entries below the plot; returns the SVG and the height it takes. */
function legend(entries: readonly LegendEntry[], width: number, top: number): { svg: string[]; height: number } {
  const svg: string[] = [];
  let x = MARGIN.left;
  let y = top + 6;
  for (const e of entries) {
    const w = 34 + e.name.length * 6.2;
    if (x + w > width - MARGIN.right && x > MARGIN.left) {
      x = MARGIN.left;
      y += 17;
    }
    if (e.swatch) svg.push(`<rect x="${x}" y="${y - 5}" width="22" height="10" fill="${e.colour}"/>`);
    else svg.push(`<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${e.colour}" stroke-width="2.5"${e.dash ? ` stroke-dasharray="${e.dash}"` : ''}/>`);
    svg.push(`<text x="${x + 27}" y="${y + 4}">${esc(e.name)}</text>`);
    x += w;
  }
  return { svg, height: entries.length === 0 ? 0 : y - top + 14 };
}

function padRange(lo: number, hi: number): [number, number] {
  // A constant series sits in the middle of the plot, not on its border.
  if (!(hi > lo)) return lo === 0 ? [-1, 1] : [lo - Math.abs(lo) * 0.1, hi + Math.abs(hi) * 0.1];
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}

/** Lays out the legend first, so the SVG's height is known before the frame is drawn. */
function legendHeight(entries: readonly LegendEntry[], width: number): number {
  return legend(entries, width, 0).height;
}

/** A line chart over real x values: bands, dashed and dotted series, vertical markers. */
export function xyChart(c: XYChart): string {
  const width = c.width ?? 520;
  const drawn = c.series.filter((s) => s.points.length > 0 || (s.band?.length ?? 0) > 0);
  const entries: LegendEntry[] = drawn.map((s) => ({ name: s.name, colour: s.colour, ...(s.dash ? { dash: s.dash } : {}) }));
  const height = MARGIN.top + PLOT_HEIGHT + MARGIN.bottom + legendHeight(entries, width) + 4;
  const xs = [...drawn.flatMap((s) => s.points.map((p) => p.x)), ...drawn.flatMap((s) => s.band?.map((b) => b.x) ?? []), ...(c.markers ?? []).map((m) => m.x)].filter(Number.isFinite);
  const ys = [...drawn.flatMap((s) => s.points.map((p) => p.y)), ...drawn.flatMap((s) => s.band?.flatMap((b) => [b.lo, b.hi]) ?? [])].filter(Number.isFinite);
  const xRange: [number, number] = c.xRange ? [c.xRange[0], c.xRange[1]] : xs.length === 0 ? [0, 1] : Math.max(...xs) > Math.min(...xs) ? [Math.min(...xs), Math.max(...xs)] : [Math.min(...xs) - 1, Math.max(...xs) + 1];
  const yRange: [number, number] = c.yRange ? [c.yRange[0], c.yRange[1]] : ys.length === 0 ? [0, 1] : padRange(Math.min(...ys), Math.max(...ys));
  // Counts (episodes, steps) get whole-number ticks only; a fixed range is the caller's and keeps its ticks.
  const f = frame(c.title, c.xLabel, c.yLabel, width, height, [...xRange, xs.every(Number.isInteger)], [...yRange, !c.yRange && ys.every(Number.isInteger)]);
  const { parts, sx, sy } = f;
  if (drawn.length === 0) parts.push(`<text x="${f.x0 + f.pw / 2}" y="${f.y0 + f.ph / 2}" text-anchor="middle" fill="#888">no data yet</text>`);
  for (const m of c.markers ?? []) {
    const x = sx(m.x).toFixed(1);
    parts.push(`<line class="marker" x1="${x}" x2="${x}" y1="${f.y0}" y2="${f.y0 + f.ph}" stroke="#444" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${(sx(m.x) + 4).toFixed(1)}" y="${f.y0 + 12}" fill="#444">${esc(m.label)}</text>`);
  }
  for (const s of drawn) {
    if (s.band && s.band.length > 0) {
      const upper = s.band.map((b) => `${sx(b.x).toFixed(1)},${sy(b.hi).toFixed(1)}`);
      const lower = [...s.band].reverse().map((b) => `${sx(b.x).toFixed(1)},${sy(b.lo).toFixed(1)}`);
      parts.push(`<polygon data-band="${esc(s.name)}" fill="${s.colour}" fill-opacity="0.18" stroke="none" points="${[...upper, ...lower].join(' ')}"/>`);
    }
    const pts = s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
    parts.push(
      `<polyline data-series="${esc(s.name)}" data-points="${s.points.length}" fill="none" stroke="${s.colour}" stroke-width="1.8"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} points="${pts}"><title>${esc(s.name)}</title></polyline>`,
    );
    if (s.dots || s.points.length === 1) for (const p of s.points) parts.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="2.6" fill="${s.colour}"><title>${esc(s.name)}: ${p.y} at ${p.x}</title></circle>`);
  }
  parts.push(...legend(entries, width, MARGIN.top + PLOT_HEIGHT + MARGIN.bottom).svg);
  parts.push('</svg>');
  return parts.join('\n');
}

export interface StackedBars {
  title: string;
  xLabel: string;
  yLabel: string;
  x: readonly number[];
  /** Bottom to top; values[i] belongs to x[i] (missing or negative values count as 0). */
  stacks: readonly { name: string; colour: string; values: readonly number[] }[];
  width?: number;
}

/** One stacked bar per x (e.g. rollout and update seconds per RL iteration). */
export function stackedBars(c: StackedBars): string {
  const width = c.width ?? 520;
  const entries: LegendEntry[] = c.stacks.map((s) => ({ name: s.name, colour: s.colour, swatch: true }));
  const height = MARGIN.top + PLOT_HEIGHT + MARGIN.bottom + legendHeight(entries, width) + 4;
  const n = c.x.length;
  const totals = c.x.map((_, i) => c.stacks.reduce((t, s) => t + Math.max(0, s.values[i] ?? 0), 0));
  const xlo = n === 0 ? 0 : Math.min(...c.x) - 0.5;
  const xhi = n === 0 ? 1 : Math.max(...c.x) + 0.5;
  const f = frame(c.title, c.xLabel, c.yLabel, width, height, [xlo, xhi, true], [0, Math.max(...totals, 0) * 1.05 || 1, false]);
  const { parts, sx, sy } = f;
  if (n === 0) parts.push(`<text x="${f.x0 + f.pw / 2}" y="${f.y0 + f.ph / 2}" text-anchor="middle" fill="#888">no data yet</text>`);
  const barW = Math.max(1, Math.min(24, (f.pw / Math.max(1, xhi - xlo)) * 0.8));
  const base = new Array<number>(n).fill(0);
  for (const s of c.stacks) {
    parts.push(`<g data-series="${esc(s.name)}" data-points="${n}" fill="${s.colour}">`);
    c.x.forEach((x, i) => {
      const v = Math.max(0, s.values[i] ?? 0);
      if (v > 0) parts.push(`<rect x="${(sx(x) - barW / 2).toFixed(1)}" y="${sy(base[i]! + v).toFixed(1)}" width="${barW.toFixed(1)}" height="${(sy(base[i]!) - sy(base[i]! + v)).toFixed(1)}"><title>${esc(s.name)}: ${v.toFixed(2)} at ${x}</title></rect>`);
      base[i]! += v;
    });
    parts.push('</g>');
  }
  parts.push(...legend(entries, width, MARGIN.top + PLOT_HEIGHT + MARGIN.bottom).svg);
  parts.push('</svg>');
  return parts.join('\n');
}

export interface Share {
  name: string;
  colour: string;
  value: number;
  /** The value as text, e.g. "5.1 min". */
  label: string;
}

/** One horizontal bar split into shares of a whole (where the wall time went), with a legend of values and percents. */
export function shareBar(title: string, shares: readonly Share[], width = 1060): string {
  const total = shares.reduce((t, s) => t + Math.max(0, s.value), 0);
  const entries = shares.map((s) => ({ ...s, name: `${s.name}: ${s.label} (${total > 0 ? Math.round((100 * Math.max(0, s.value)) / total) : 0}%)`, swatch: true }));
  const barTop = 30;
  const barH = 26;
  const lh = legend(entries, width, barTop + barH + 6);
  const height = barTop + barH + 6 + lh.height + 6;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}" font-family="Helvetica, Arial, sans-serif" font-size="11">`);
  parts.push(`<text x="${width / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`);
  const x0 = MARGIN.left;
  const bw = width - MARGIN.left - MARGIN.right;
  let x = x0;
  for (const s of shares) {
    const w = total > 0 ? (Math.max(0, s.value) / total) * bw : 0;
    parts.push(`<rect data-share="${esc(s.name)}" x="${x.toFixed(1)}" y="${barTop}" width="${w.toFixed(1)}" height="${barH}" fill="${s.colour}"><title>${esc(s.name)}: ${esc(s.label)}</title></rect>`);
    const pct = total > 0 ? Math.round((100 * Math.max(0, s.value)) / total) : 0;
    if (w > 34) parts.push(`<text x="${(x + w / 2).toFixed(1)}" y="${barTop + barH / 2 + 4}" text-anchor="middle" fill="white" font-weight="bold">${pct}%</text>`);
    x += w;
  }
  if (total === 0) parts.push(`<text x="${x0 + bw / 2}" y="${barTop + barH / 2 + 4}" text-anchor="middle" fill="#888">no timing yet</text>`);
  parts.push(`<rect x="${x0}" y="${barTop}" width="${bw}" height="${barH}" fill="none" stroke="#999"/>`);
  parts.push(...lh.svg);
  parts.push('</svg>');
  return parts.join('\n');
}
