/**
 * Section extraction from free-text radiology reports (MIMIC-CXR style): headers are upper-case
 * words followed by a colon at the start of a line ("FINDINGS:", "IMPRESSION:", "INDICATION:" …).
 */
export interface ReportSections {
  findings: string;
  impression: string;
  /** Every section found, by upper-case header name. */
  all: Record<string, string>;
}

const HEADER = /(^|\n)[ \t]*([A-Z][A-Z /&()-]{2,40}?)[ \t]*:/g;
const IMPRESSION_NAMES = ['IMPRESSION', 'IMPRESSIONS', 'CONCLUSION', 'CONCLUSIONS', 'SUMMARY'];
const FINDINGS_NAMES = ['FINDINGS', 'FINDING', 'REPORT'];

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Split a report into its sections; FINDINGS and IMPRESSION (or their synonyms) come out whitespace-normalized. */
export function extractSections(text: string): ReportSections {
  const t = text.replace(/\r\n?/g, '\n');
  const heads: { name: string; start: number; end: number }[] = [];
  HEADER.lastIndex = 0;
  for (let m = HEADER.exec(t); m; m = HEADER.exec(t)) {
    heads.push({ name: m[2].trim(), start: m.index + m[1].length, end: m.index + m[0].length });
  }
  const all: Record<string, string> = {};
  heads.forEach((h, i) => {
    const body = squash(t.slice(h.end, i + 1 < heads.length ? heads[i + 1].start : t.length));
    all[h.name] = all[h.name] ? `${all[h.name]} ${body}` : body;
  });
  const pick = (names: string[]) => names.map((n) => all[n]).find((v) => v !== undefined && v !== '') ?? '';
  let findings = pick(FINDINGS_NAMES);
  let impression = pick(IMPRESSION_NAMES);
  const combined = all['FINDINGS AND IMPRESSION'] ?? all['FINDINGS/IMPRESSION'];
  if (combined) {
    if (!findings) findings = combined;
    if (!impression) impression = combined;
  }
  return { findings, impression, all };
}
