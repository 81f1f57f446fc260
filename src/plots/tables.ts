/**
 * Table 1 (report generation) and the VQA table as Markdown, HTML and CSV, with our rows and the
 * paper's published rows side by side in each split.
 */
import { TABLE1_METRICS, VQA_SPLITS, reportSplitsOf, splitLabel, table1Average, type ReportTable, type VqaTable } from './published.js';

export type RowSource = 'ours' | 'paper';

export interface TableRow {
  source: RowSource;
  model: string;
  values: (number | null)[];
}

export interface TableSection {
  /** Split id, e.g. mimic_findings. */
  id: string;
  label: string;
  rows: TableRow[];
}

/** A table as data: one section per split; columns are metric names. */
export interface TableDoc {
  title: string;
  columns: string[];
  sections: TableSection[];
  note?: string;
}

const SOURCE_LABEL: Record<RowSource, string> = { ours: 'this workbench', paper: 'paper' };

/**
 * Table 1: per split, our rows then the published rows, with the eleven metrics and "Average"
 * (the mean of the eleven, computed for our rows when absent).
 */
export function table1Doc(ours: ReportTable | null, published: ReportTable | null, splits: string[] = reportSplitsOf(ours, published)): TableDoc {
  const columns = [...TABLE1_METRICS, 'Average'];
  const sections: TableSection[] = [];
  for (const id of splits) {
    const rows: TableRow[] = [];
    for (const [source, table] of [['ours', ours], ['paper', published]] as const) {
      for (const [model, row] of Object.entries(table?.[id] ?? {})) {
        const values = columns.map((c) => (typeof row[c] === 'number' ? row[c] : null));
        if (values[columns.length - 1] === null && source === 'ours') {
          const avg = table1Average(row);
          values[columns.length - 1] = Number.isFinite(avg) ? avg : null;
        }
        rows.push({ source, model, values });
      }
    }
    if (rows.length) sections.push({ id, label: splitLabel(id), rows });
  }
  return { title: 'Table 1: report generation', columns, sections, note: '"Average" is the mean of the eleven metric columns. Rows marked "paper" are the published numbers (arXiv 2509.03906, Table 1).' };
}

/** The VQA table: average accuracy on each VQA set, ours then the published rows. */
export function vqaTableDoc(ours: VqaTable | null, published: VqaTable | null): TableDoc {
  const columns = VQA_SPLITS.map((s) => s.label);
  const rows: TableRow[] = [];
  for (const [source, table] of [['ours', ours], ['paper', published]] as const) {
    const models: string[] = [];
    for (const s of VQA_SPLITS) for (const m of Object.keys(table?.[s.id] ?? {})) if (!models.includes(m)) models.push(m);
    for (const m of models) rows.push({ source, model: m, values: VQA_SPLITS.map((s) => (typeof table?.[s.id]?.[m] === 'number' ? table![s.id][m] : null)) });
  }
  return { title: 'VQA: average accuracy', columns, sections: rows.length ? [{ id: 'vqa', label: 'VQA', rows }] : [], note: 'Rows marked "paper" are the published numbers (arXiv 2509.03906, VQA section).' };
}

/** Index of the best (largest) value in each column within a section, per source. */
function bestIndices(section: TableSection, source: RowSource, ncols: number): Set<string> {
  const best = new Set<string>();
  for (let c = 0; c < ncols; c++) {
    let max = -Infinity;
    for (const r of section.rows) if (r.source === source && r.values[c] !== null && r.values[c]! > max) max = r.values[c]!;
    section.rows.forEach((r, i) => {
      if (r.source === source && r.values[c] === max && Number.isFinite(max)) best.add(`${i}:${c}`);
    });
  }
  return best;
}

function cell(v: number | null, digits: number): string {
  return v === null ? '–' : v.toFixed(digits);
}

/** Markdown: one pipe table per split; the best value per column and source in bold. */
export function tableToMarkdown(doc: TableDoc, digits = 4): string {
  const out: string[] = [`### ${doc.title}`, ''];
  for (const s of doc.sections) {
    out.push(`**${s.label}**`, '', `| Model | Source | ${doc.columns.join(' | ')} |`, `|---|---|${doc.columns.map(() => '---:').join('|')}|`);
    const bold = new Set([...bestIndices(s, 'ours', doc.columns.length), ...bestIndices(s, 'paper', doc.columns.length)]);
    s.rows.forEach((r, i) => {
      const vals = r.values.map((v, c) => (bold.has(`${i}:${c}`) ? `**${cell(v, digits)}**` : cell(v, digits)));
      out.push(`| ${r.model.replace(/\|/g, '\\|')} | ${SOURCE_LABEL[r.source]} | ${vals.join(' | ')} |`);
    });
    out.push('');
  }
  if (doc.note) out.push(`_${doc.note}_`, '');
  return out.join('\n');
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** A standalone HTML page: one table, a header row per split, paper rows shaded. */
export function tableToHtml(doc: TableDoc, digits = 4): string {
  const head = `<tr><th>Model</th><th>Source</th>${doc.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  const body: string[] = [];
  for (const s of doc.sections) {
    body.push(`<tr class="split"><td colspan="${doc.columns.length + 2}">${esc(s.label)}</td></tr>`);
    const bold = new Set([...bestIndices(s, 'ours', doc.columns.length), ...bestIndices(s, 'paper', doc.columns.length)]);
    s.rows.forEach((r, i) => {
      const tds = r.values.map((v, c) => `<td>${bold.has(`${i}:${c}`) ? `<b>${cell(v, digits)}</b>` : cell(v, digits)}</td>`).join('');
      body.push(`<tr class="${r.source}"><td class="model">${esc(r.model)}</td><td>${SOURCE_LABEL[r.source]}</td>${tds}</tr>`);
    });
  }
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(doc.title)}</title>
<style>
body{font-family:DejaVu Sans,Arial,sans-serif;font-size:13px;margin:16px;color:#222}
table{border-collapse:collapse}th,td{padding:3px 8px;text-align:right;border-bottom:1px solid #e3e3e3}
th{background:#f0f0f0;position:sticky;top:0}td.model,td:nth-child(2){text-align:left}
tr.split td{text-align:left;font-weight:bold;background:#dde8f3;padding-top:8px}
tr.paper td{color:#555;background:#fafafa}
</style></head><body>
<h3>${esc(doc.title)}</h3>
<table><thead>${head}</thead><tbody>
${body.join('\n')}
</tbody></table>
${doc.note ? `<p><i>${esc(doc.note)}</i></p>` : ''}
</body></html>
`;
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV: split, source, model, then one column per metric (full precision, empty when absent). */
export function tableToCsv(doc: TableDoc): string {
  const lines = [['split', 'source', 'model', ...doc.columns].map(csvField).join(',')];
  for (const s of doc.sections) for (const r of s.rows) lines.push([s.id, r.source, r.model, ...r.values.map((v) => (v === null ? '' : String(v)))].map(csvField).join(','));
  return lines.join('\n') + '\n';
}
