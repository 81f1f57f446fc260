/**
 * Export plotly specs to PNG and SVG through headless Chromium (Debian `chromium`, driven by
 * playwright-core), and to interactive HTML. No network: plotly.js is read from
 * node_modules/plotly.js-dist-min and injected into a blank page.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { atomicWrite } from '../util/fsx.js';
import { PROJECT_ROOT } from '../util/paths.js';
import type { FigureSpec, NamedFigure } from './spec.js';

/** Flags for a quiet, offline, sandbox-free headless Chromium. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The Chromium binary: DEEPMEDIX_CHROMIUM, else the Debian paths; null when none exists. */
export function chromiumPath(): string | null {
  const candidates = [process.env.DEEPMEDIX_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'];
  for (const c of candidates) if (c && existsSync(c)) return c;
  return null;
}

/** Path of the bundled plotly.js (minified). */
export function plotlyPath(): string {
  // resolved from the project root: library code avoids import.meta (tslab compiles it to CommonJS)
  return createRequire(join(PROJECT_ROOT, 'package.json')).resolve('plotly.js-dist-min/plotly.min.js');
}

/** A headless Chromium with a fresh user-data-dir, removed again on close. */
export interface Headless {
  context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Launch headless Chromium (a clear error when it is absent). */
export async function launchHeadless(): Promise<Headless> {
  const exe = chromiumPath();
  if (!exe) throw new Error('headless Chromium not found: install Debian `chromium` or set DEEPMEDIX_CHROMIUM');
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'deepmedix-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: exe, headless: true, args: CHROMIUM_FLAGS });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw new Error(`cannot launch Chromium at ${exe}: ${(e as Error).message}`);
  }
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export type ImageFormat = 'png' | 'svg';
export type ExportFormat = ImageFormat | 'html';

export interface ExportOptions {
  formats?: ExportFormat[];
  /** Default pixel size when a figure names none. */
  width?: number;
  height?: number;
  /** PNG device scale (2 gives crisp PNGs at twice the pixel size). */
  scale?: number;
  /** HTML: inline plotly.js (self-contained, ~4.8 MB each) instead of a shared plotly.min.js beside it. */
  inlinePlotly?: boolean;
}

/** Render figures with plotly.js inside one Chromium page. */
export class FigureRenderer {
  private constructor(
    private readonly headless: Headless,
    private readonly page: Page,
  ) {}

  static async open(): Promise<FigureRenderer> {
    const headless = await launchHeadless();
    try {
      const page = await headless.newPage();
      await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0"><div id="fig"></div></body></html>');
      await page.addScriptTag({ path: plotlyPath() });
      const ok = await page.evaluate(() => typeof (globalThis as { Plotly?: unknown }).Plotly === 'object');
      if (!ok) throw new Error('plotly.js did not load in Chromium');
      return new FigureRenderer(headless, page);
    } catch (e) {
      await headless.close();
      throw e;
    }
  }

  /** One image of the spec: PNG bytes or SVG text. */
  async image(spec: FigureSpec, format: 'png', width: number, height: number, scale?: number): Promise<Buffer>;
  async image(spec: FigureSpec, format: 'svg', width: number, height: number, scale?: number): Promise<string>;
  async image(spec: FigureSpec, format: ImageFormat, width: number, height: number, scale = 1): Promise<Buffer | string> {
    const url = await this.page.evaluate(
      async ({ spec, format, width, height, scale }) => {
        const Plotly = (globalThis as unknown as { Plotly: any }).Plotly; // eslint-disable-line @typescript-eslint/no-explicit-any
        const div = (globalThis as any).document.getElementById('fig'); // eslint-disable-line @typescript-eslint/no-explicit-any
        Plotly.purge(div);
        const layout = { ...spec.layout, width, height };
        await Plotly.newPlot(div, spec.data, layout, { ...(spec.config ?? {}), staticPlot: true });
        return (await Plotly.toImage(div, { format, width, height, scale })) as string;
      },
      { spec, format, width, height, scale },
    );
    const comma = url.indexOf(',');
    const head = url.slice(0, comma);
    const body = url.slice(comma + 1);
    if (format === 'png') {
      if (!head.includes(';base64')) throw new Error('plotly returned a PNG that is not base64');
      return Buffer.from(body, 'base64');
    }
    return head.includes(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
  }

  /** Write each figure in each format to outDir; returns the paths written. */
  async export(figures: NamedFigure[], outDir: string, opts: ExportOptions = {}): Promise<string[]> {
    const formats = opts.formats ?? ['png', 'svg', 'html'];
    const written: string[] = [];
    for (const f of figures) {
      const w = f.width ?? opts.width ?? 900;
      const h = f.height ?? opts.height ?? 560;
      if (formats.includes('png')) {
        const p = join(outDir, `${f.name}.png`);
        atomicWrite(p, await this.image(f.spec, 'png', w, h, opts.scale ?? 2));
        written.push(p);
      }
      if (formats.includes('svg')) {
        const p = join(outDir, `${f.name}.svg`);
        atomicWrite(p, await this.image(f.spec, 'svg', w, h));
        written.push(p);
      }
      if (formats.includes('html')) written.push(writeFigureHtml(f, outDir, opts.inlinePlotly ?? false));
    }
    return written;
  }

  async close(): Promise<void> {
    await this.headless.close();
  }
}

/** Export figures in one Chromium session (opened and closed here). */
export async function exportFigures(figures: NamedFigure[], outDir: string, opts: ExportOptions = {}): Promise<string[]> {
  const formats = opts.formats ?? ['png', 'svg', 'html'];
  if (!formats.some((f) => f !== 'html')) return figures.map((f) => writeFigureHtml(f, outDir, opts.inlinePlotly ?? false));
  const r = await FigureRenderer.open();
  try {
    return await r.export(figures, outDir, opts);
  } finally {
    await r.close();
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** JSON safe to embed inside a <script> element. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * Interactive HTML for one figure. By default it loads `plotly.min.js` from the same folder (copied
 * there once), so a folder of figures stays small and works offline.
 */
export function writeFigureHtml(f: NamedFigure, outDir: string, inlinePlotly = false): string {
  mkdirSync(outDir, { recursive: true });
  let script: string;
  if (inlinePlotly) {
    script = `<script>${readPlotly()}</script>`;
  } else {
    const local = join(outDir, 'plotly.min.js');
    if (!existsSync(local)) copyFileSync(plotlyPath(), local);
    script = '<script src="plotly.min.js"></script>';
  }
  const title = (f.spec.layout.title as { text?: string } | undefined)?.text ?? f.name;
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>${script}</head>
<body style="margin:0;font-family:sans-serif">
<div id="fig" style="width:100%;max-width:${f.width ?? 900}px;height:${f.height ?? 560}px"></div>
<script>
const spec = ${scriptJson(f.spec)};
Plotly.newPlot('fig', spec.data, spec.layout, Object.assign({ responsive: true }, spec.config || {}));
</script>
</body></html>
`;
  const p = join(outDir, `${f.name}.html`);
  atomicWrite(p, html);
  return p;
}

let plotlySource: string | null = null;
function readPlotly(): string {
  if (plotlySource === null) plotlySource = readFileSync(plotlyPath(), 'utf8').replace(/<\/script/gi, '<\\/script');
  return plotlySource;
}

/**
 * Figures for a notebook: exported to `outDir` (PNG and HTML) and returned as PNG bytes to display;
 * where Chromium is missing, no PNGs and a note saying where the HTML went.
 */
export async function notebookPngs(figures: NamedFigure[], outDir: string): Promise<{ pngs: Buffer[]; note: string | null }> {
  try {
    const files = await exportFigures(figures, outDir, { formats: ['png', 'html'] });
    return { pngs: files.filter((p) => p.endsWith('.png')).map((p) => readFileSync(p)), note: null };
  } catch (e) {
    const html = await exportFigures(figures, outDir, { formats: ['html'] });
    return { pngs: [], note: `PNG export unavailable here (${(e as Error).message.split('\n')[0]}); interactive HTML: ${html.join(', ')}` };
  }
}
