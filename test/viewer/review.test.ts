import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupAgreement, readReviews, table2, table2Markdown, validateReview, type ReviewRecord } from '../../src/viewer/review.js';

type S = [number, number, number];
function rec(reviewer: string, group: string, itemId: string, a: S, b: S, grounded: string, overall: string, time = '2026-01-01T00:00:00Z'): ReviewRecord {
  const sc = (s: S) => ({ relevance: s[0], correctness: s[1], completeness: s[2] });
  return { itemId, reviewer, group, time, scaleMax: 1, scores: { A: sc(a), B: sc(b) }, preference: { models: ['A', 'B'], grounded, overall } };
}

/** The hand-worked fixture: two groups of one reviewer, two items, yes/no scores. */
const FIXTURE: ReviewRecord[] = [
  rec('r1', 'g1', 'i1', [0, 0, 0], [0, 0, 0], 'B', 'B', '2025-12-31T00:00:00Z'), // replaced by r1's later review of i1
  rec('r1', 'g1', 'i1', [1, 1, 0], [1, 0, 0], 'A', 'A'),
  rec('r1', 'g1', 'i2', [1, 1, 1], [1, 1, 0], 'B', 'tie'),
  rec('r2', 'g2', 'i1', [1, 0, 0], [1, 0, 1], 'A', 'B'),
  rec('r2', 'g2', 'i2', [1, 1, 1], [0, 1, 0], 'B', 'tie'),
];

describe('viewer/review: Table 2 and inter-group agreement', () => {
  it('Table 2 per model (hand-worked), a reviewer’s resubmission replacing the earlier one', () => {
    const rows = Object.fromEntries(table2(FIXTURE).map((r) => [r.model, r]));
    assert.deepEqual(rows.A.values, { Relevance: 1, Correctness: 0.75, Completeness: 0.5, 'Grounded Preference': 0.5, 'Overall Preference': 0.5 });
    assert.deepEqual(rows.B.values, { Relevance: 0.75, Correctness: 0.5, Completeness: 0.25, 'Grounded Preference': 0.5, 'Overall Preference': 0.5 });
    assert.deepEqual(rows.A.n, { scores: 4, preferences: 4 });
  });

  it('scores on a 0..4 scale count as score/4; ties count ½', () => {
    const r: ReviewRecord = { itemId: 'x', reviewer: 'r', group: 'g', time: '', scaleMax: 4, scores: { A: { relevance: 3, correctness: 4, completeness: 0 } }, preference: { models: ['A', 'B'], grounded: 'tie', overall: 'B' } };
    const rows = Object.fromEntries(table2([r]).map((x) => [x.model, x]));
    assert.equal(rows.A.values.Relevance, 0.75);
    assert.equal(rows.A.values['Grounded Preference'], 0.5);
    assert.equal(rows.B.values['Overall Preference'], 1);
    assert.ok(Number.isNaN(rows.B.values.Relevance));
  });

  it('agreement between the groups (hand-worked: 0.75, 0.75, 0.75, 1, 0.5)', () => {
    const ag = groupAgreement(FIXTURE, 'g1', 'g2');
    assert.deepEqual(
      Object.fromEntries(Object.entries(ag).map(([k, v]) => [k, v.agreement])),
      { Relevance: 0.75, Correctness: 0.75, Completeness: 0.75, 'Grounded Preference': 1, 'Overall Preference': 0.5 },
    );
    assert.equal(ag.Relevance.units, 4);
    assert.equal(ag['Overall Preference'].units, 2);
    assert.ok(Number.isNaN(groupAgreement(FIXTURE, 'g1', 'nobody').Relevance.agreement));
    const md = table2Markdown(table2(FIXTURE), ag, 2);
    assert.match(md, /\| A \| 1\.00 \| 0\.75 \| 0\.50 \| 0\.50 \| 0\.50 \| 4 \/ 4 \|/);
    assert.match(md, /\| Agreement \| 0\.75 \| 0\.75 \| 0\.75 \| 1\.00 \| 0\.50 \|/);
  });

  it('bad records are errors naming file, record and field', () => {
    assert.throws(() => validateReview({ itemId: 'i', reviewer: 'r', group: 'g', scaleMax: 1, scores: { A: { relevance: 2, correctness: 0, completeness: 0 } } }), /field 'scores\.A\.relevance' must be an integer in 0\.\.1/);
    assert.throws(() => validateReview({ itemId: 'i', reviewer: 'r', group: 'g', scaleMax: 1, scores: {}, preference: { models: ['A', 'B'], grounded: 'C', overall: 'A' } }), /preference\.grounded/);
    const dir = mkdtempSync(join(tmpdir(), 'deepmedix-review-'));
    try {
      const p = join(dir, 'r.jsonl');
      writeFileSync(p, JSON.stringify(FIXTURE[1]) + '\n' + JSON.stringify({ ...FIXTURE[1], group: '' }) + '\n');
      assert.throws(() => readReviews([p]), new RegExp(`${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: record 2: field 'group'`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
