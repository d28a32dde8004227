/**
 * Minimal SVG line charts for the bench reports (no plotting package): one panel per metric, one
 * polyline per series, linear axes with "nice" ticks, a legend. grid() lays panels out side by side.
 */

export interface Series {
  name: string;
  color: string;
  /** [x, y]; a null y leaves a gap */
  points: Array<[number, number | null]>;
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** force the y range to include this value (e.g. 0, or 4.5 for MOS) */
  yMin?: number;
  yMax?: number;
}

const W = 480;
const H = 300;
const M = { l: 58, r: 14, t: 30, b: 44 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** 1, 2 or 5 times a power of ten, giving about `n` ticks over [lo, hi]. */
function niceStep(lo: number, hi: number, n: number): number {
  const raw = (hi - lo) / Math.max(1, n);
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

function fmt(v: number, step: number): string {
  const d = step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step)));
  return v.toFixed(d);
}

/** One panel as an SVG fragment (a <g>) of W x H at (ox, oy). */
function panelSvg(p: Panel, ox: number, oy: number): string {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of p.series) {
    for (const [x, y] of s.points) {
      xs.push(x);
      if (y !== null && Number.isFinite(y)) ys.push(y);
    }
  }
  let x0 = xs.length ? Math.min(...xs) : 0;
  let x1 = xs.length ? Math.max(...xs) : 1;
  let y0 = ys.length ? Math.min(...ys) : 0;
  let y1 = ys.length ? Math.max(...ys) : 1;
  if (p.yMin !== undefined) y0 = Math.min(y0, p.yMin);
  if (p.yMax !== undefined) y1 = Math.max(y1, p.yMax);
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) y1 = y0 + 1;
  const xStep = niceStep(x0, x1, 6);
  const yStep = niceStep(y0, y1, 5);
  x0 = Math.floor(x0 / xStep) * xStep;
  x1 = Math.ceil(x1 / xStep) * xStep;
  y0 = Math.floor(y0 / yStep) * yStep;
  y1 = Math.ceil(y1 / yStep) * yStep;
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const sx = (x: number): number => M.l + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number): number => M.t + ph - ((y - y0) / (y1 - y0)) * ph;
  const out: string[] = [`<g transform="translate(${ox},${oy})">`];
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`);
  for (let y = y0; y <= y1 + yStep / 2; y += yStep) {
    const py = sy(y).toFixed(1);
    out.push(`<line x1="${M.l}" y1="${py}" x2="${W - M.r}" y2="${py}" stroke="#ddd"/>`);
    out.push(`<text x="${M.l - 4}" y="${py}" text-anchor="end" dominant-baseline="middle">${fmt(y, yStep)}</text>`);
  }
  for (let x = x0; x <= x1 + xStep / 2; x += xStep) {
    const px = sx(x).toFixed(1);
    out.push(`<line x1="${px}" y1="${M.t}" x2="${px}" y2="${M.t + ph}" stroke="#eee"/>`);
    out.push(`<text x="${px}" y="${M.t + ph + 14}" text-anchor="middle">${fmt(x, xStep)}</text>`);
  }
  out.push(`<rect x="${M.l}" y="${M.t}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  out.push(`<text x="${M.l + pw / 2}" y="${H - 8}" text-anchor="middle">${esc(p.xLabel)}</text>`);
  out.push(`<text transform="translate(14,${M.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`);
  p.series.forEach((s, i) => {
    // split at null y into separate polylines
    let cur: string[] = [];
    const flush = (): void => {
      if (cur.length === 1) {
        const [cx, cy] = cur[0]!.split(',');
        out.push(`<circle cx="${cx}" cy="${cy}" r="2" fill="${s.color}"/>`);
      } else if (cur.length > 1) {
        out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.6" points="${cur.join(' ')}"/>`);
      }
      cur = [];
    };
    for (const [x, y] of s.points) {
      if (y === null || !Number.isFinite(y)) flush();
      else cur.push(`${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    }
    flush();
    const ly = M.t + 12 + i * 14;
    out.push(`<line x1="${M.l + 8}" y1="${ly}" x2="${M.l + 24}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<text x="${M.l + 28}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  out.push('</g>');
  return out.join('\n');
}

function doc(w: number, h: number, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" ` +
    `viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="11">\n${body}\n</svg>\n`;
}

/** A single panel as a complete SVG document. */
export function plotSvg(p: Panel): string {
  return doc(W, H, panelSvg(p, 0, 0));
}

/** Panels in a grid of `cols` columns, as one SVG document. */
export function gridSvg(panels: Panel[], cols = 2): string {
  const rows = Math.ceil(panels.length / cols);
  const body = panels.map((p, i) => panelSvg(p, (i % cols) * W, Math.floor(i / cols) * H)).join('\n');
  return doc(cols * W, rows * H, body);
}
