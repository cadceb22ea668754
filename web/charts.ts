// Charts drawn with uPlot from the server's columnar, downsampled series. Range buttons refetch,
// the CSV link follows the range, PNG saves the canvas. Colours come from the theme's CSS variables.
import uPlot from 'uplot';
import { withGaps } from '../src/domain/charts.ts';
import { formatValue } from '../src/domain/format.ts';
import { formatOptions } from './bind.ts';

interface ChartData {
  title: string;
  unit: string;
  source: string;
  range: string;
  resolution: 'raw' | 'hour' | 'day';
  t: number[];
  v: number[];
  reason?: string;
  /** A fixed y axis, when the chart has one (the health score: 0–100). */
  yRange?: [number, number];
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#f7931a';
}

/** A value in its chart's unit, as the readout shows it. */
function formatUnit(v: number, unit: string): string {
  const o = formatOptions();
  if (unit === 'USD') return formatValue(v, 'fiat', o);
  if (unit === 'H/s') return formatValue(v, 'hashrate', o);
  if (unit === '%') return formatValue(v, 'pct', o);
  return `${formatValue(v, 'dec', o)}${unit ? ` ${unit}` : ''}`;
}

/** The data's span with 5 % above and below (a flat series gets ±1 % of its value). */
export function paddedRange(min: number | null, max: number | null): [number, number] {
  if (min === null || max === null) return [0, 1];
  const pad = max > min ? (max - min) * 0.05 : Math.abs(max) * 0.01 || 1;
  return [min - pad, max + pad];
}

function axisValue(unit: string) {
  return (_u: uPlot, splits: number[]) => splits.map((v) => (unit === 'USD' ? formatValue(v, 'fiatCompact', formatOptions()) : unit === 'H/s' ? formatValue(v, 'hashrate', formatOptions()) : formatValue(v, 'dec', formatOptions())));
}

const RESOLUTION_WORD = { raw: 'minute', hour: 'hourly', day: 'daily' } as const;
const RANGE_SEC: Record<string, number> = { '1d': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400, '90d': 90 * 86_400, '1y': 365 * 86_400 };

/** Under the chart: where the data comes from, at what resolution, how far back it reaches (when less than the range) and how fresh. */
function sourceLine(d: ChartData, o: ReturnType<typeof formatOptions>): string {
  const first = d.t[0] ?? 0;
  const newest = d.t.at(-1) ?? 0;
  const wanted = RANGE_SEC[d.range];
  const short = wanted === undefined || newest - first < wanted * 0.9;
  const since = short ? ` · history since ${formatValue(first, d.resolution === 'day' ? 'date' : 'datetime', o)}` : '';
  return `${d.source} · ${d.t.length} ${RESOLUTION_WORD[d.resolution] ?? ''} points${since} · latest ${formatValue(newest, 'ago', o)}`;
}

class Chart {
  private plot: uPlot | undefined;
  private readonly box: HTMLElement;
  private readonly status: HTMLElement;

  constructor(private readonly fig: HTMLElement) {
    this.box = fig.querySelector('.plot') as HTMLElement;
    this.status = fig.querySelector('.chart-status') ?? document.createElement('p');
    fig.querySelectorAll<HTMLButtonElement>('[data-range-btn]').forEach((b) => b.addEventListener('click', () => this.load(b.dataset.rangeBtn ?? '30d')));
    fig.querySelector('[data-png]')?.addEventListener('click', () => this.png());
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(this.box);
  }

  private size() {
    return { width: Math.max(200, this.box.clientWidth), height: Math.min(320, Math.max(180, Math.round(this.box.clientWidth * 0.4))) };
  }

  async load(range: string): Promise<void> {
    const name = this.fig.dataset.chart ?? '';
    this.fig.dataset.range = range;
    this.fig.querySelectorAll<HTMLButtonElement>('[data-range-btn]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.rangeBtn === range)));
    const csv = this.fig.querySelector<HTMLAnchorElement>('a.csv');
    if (csv) csv.href = `/api/v1/charts/${name}?range=${range}&format=csv`;
    try {
      const r = await fetch(`/api/v1/charts/${name}?range=${range}&points=${Math.min(2000, Math.max(50, this.box.clientWidth))}`);
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      this.draw((await r.json()) as ChartData);
    } catch (err) {
      this.message(`chart unavailable: ${(err as Error).message}`);
    }
  }

  private message(text: string): void {
    this.status.textContent = text;
    if (!this.status.isConnected) this.box.prepend(this.status);
  }

  private draw(d: ChartData): void {
    this.plot?.destroy();
    this.plot = undefined;
    const src = this.fig.querySelector('.chart-src');
    if (src) src.textContent = '';
    if (d.t.length < 2) return this.message(d.reason ?? 'not enough history yet');
    this.status.remove();
    const stroke = cssVar('--accent');
    const grid = cssVar('--grid');
    const text = cssVar('--muted');
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const o = formatOptions();
    const timeFormat = d.resolution === 'day' ? 'date' : 'datetime';
    this.plot = new uPlot(
      {
        ...this.size(),
        // The legend is the readout: time and value under the cursor (hover, or touch and drag).
        legend: { show: true, live: true },
        cursor: { drag: { x: false, y: false }, points: { size: 8 } },
        // The y axis spans the data (with a margin), not zero to the top: a price line is not flat.
        scales: { y: { range: (_u, min, max) => d.yRange ?? paddedRange(min, max) } },
        series: [
          // Away from the plot the readout shows the latest point, not dashes.
          { label: 'Time', value: (_u, t, _s, idx) => (idx == null ? `latest, ${formatValue(d.t.at(-1) ?? null, timeFormat, o)}` : t === null ? '—' : formatValue(t, timeFormat, o)) },
          { label: d.title, stroke, width: 2, fill: `${stroke}22`, value: (_u, v, _s, idx) => (idx == null ? formatUnit(d.v.at(-1) as number, d.unit) : v === null ? '—' : formatUnit(v, d.unit)) },
        ],
        axes: [axis, { ...axis, size: 86, values: axisValue(d.unit) }],
      },
      // Missing stretches of history show as breaks, not as a straight line across them.
      (({ t, v }) => [t, v])(withGaps(d.t, d.v, d.resolution)) as uPlot.AlignedData,
      this.box,
    );
    this.box.setAttribute('aria-label', `${d.title}, ${d.t.length} points from ${d.source}`);
    const newest = d.t.at(-1);
    if (src && newest !== undefined) src.textContent = sourceLine(d, o);
  }

  private png(): void {
    const canvas = this.box.querySelector('canvas');
    if (!canvas) return;
    const a = document.createElement('a');
    a.href = canvas.toDataURL('image/png');
    a.download = `satscope-${this.fig.dataset.chart ?? 'chart'}-${this.fig.dataset.range ?? ''}.png`;
    a.click();
  }
}

export function initCharts(): void {
  document.querySelectorAll<HTMLElement>('figure[data-chart]').forEach((fig) => void new Chart(fig).load(fig.dataset.range ?? '30d'));
}
