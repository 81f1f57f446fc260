/**
 * Label files from the real models, accepted in place of our approximations: CheXpert / CheXbert
 * label CSVs (a text column, optionally an id column, and the 14 observation columns holding
 * 1 / 0 / -1 or blank, as "1.0" or "1"). Also a small RFC 4180 CSV reader (quoted fields may hold
 * commas, doubled quotes and newlines).
 */
import { readFileSync } from 'node:fs';
import { CHEXPERT_OBSERVATIONS, type LabelValue, type Labels } from '../data/types.js';

/** Rows of a CSV text; each row's line number (1-based, where the row starts) is returned too. */
export function parseCsv(text: string): { rows: string[][]; lines: number[] } {
  const rows: string[][] = [];
  const lines: number[] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') (field += '"'), i++;
        else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"') quoted = true;
    else if (ch === ',') (row.push(field), (field = ''));
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.length > 1 || row[0] !== '') (rows.push(row), lines.push(rowLine));
      row = [];
      field = '';
      line++;
      rowLine = line;
    } else field += ch;
  }
  if (field !== '' || row.length) (row.push(field), rows.push(row), lines.push(rowLine));
  return { rows, lines };
}

export interface LabelTable {
  ids: string[] | null;
  texts: string[] | null;
  labels: Labels[];
}

/** Read a CheXpert/CheXbert-format label CSV. */
export function readLabelCsv(path: string): LabelTable {
  const { rows, lines } = parseCsv(readFileSync(path, 'utf8'));
  if (rows.length === 0) throw new Error(`${path}: empty label file`);
  const header = rows[0].map((h) => h.trim());
  const col = (names: string[]): number => header.findIndex((h) => names.includes(h.toLowerCase()));
  const idCol = col(['id', 'study_id', 'uid', 'dicom_id']);
  const textCol = col(['reports', 'report impression', 'report', 'text']);
  const obsCols = CHEXPERT_OBSERVATIONS.map((o) => header.indexOf(o));
  const missing = CHEXPERT_OBSERVATIONS.filter((_, k) => obsCols[k] < 0);
  if (missing.length) throw new Error(`${path}: header lacks the columns ${missing.join(', ')}`);
  const labels: Labels[] = [];
  const ids: string[] = [];
  const texts: string[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    const l: Labels = {};
    CHEXPERT_OBSERVATIONS.forEach((o, k) => {
      const raw = (row[obsCols[k]] ?? '').trim();
      if (raw === '' || raw.toLowerCase() === 'nan') return;
      const v = Number(raw);
      if (v !== 1 && v !== 0 && v !== -1) throw new Error(`${path}:${lines[r]}: column '${o}' holds '${raw}' (expected 1, 0, -1 or blank)`);
      l[o] = v as LabelValue;
    });
    labels.push(l);
    if (idCol >= 0) ids.push(row[idCol] ?? '');
    if (textCol >= 0) texts.push(row[textCol] ?? '');
  }
  return { ids: idCol >= 0 ? ids : null, texts: textCol >= 0 ? texts : null, labels };
}
