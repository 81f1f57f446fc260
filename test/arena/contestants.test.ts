import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cohortBaselines, findCheckpoints, type CohortReportItems } from '../../src/arena/contestants.js';
import type { InstructionRecord } from '../../src/data/types.js';

describe('arena/contestants', () => {
  it('finds checkpoint directories up to two levels down, named by their path without "model"', () => {
    const root = mkdtempSync(join(tmpdir(), 'arena-runs-'));
    try {
      for (const d of ['stage1', 'stage2/model', 'stage3/grpo', 'notes', 'stage2/synthesis']) mkdirSync(join(root, d), { recursive: true });
      for (const d of ['stage1', 'stage2/model', 'stage3/grpo']) for (const f of ['model.json', 'checkpoint.bin']) writeFileSync(join(root, d, f), '');
      writeFileSync(join(root, 'notes', 'model.json'), ''); // no checkpoint.bin: not a checkpoint
      assert.deepEqual(findCheckpoints(root).map((c) => c.name), ['stage1', 'stage2', 'stage3-grpo']);
      assert.deepEqual(findCheckpoints(join(root, 'absent')), []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('builds the constant (most frequent) and seeded random training-report baselines for the items', () => {
    const rec = (id: string) => ({ id, answer: `ref ${id}` }) as InstructionRecord;
    const items: CohortReportItems = {
      records: [rec('a'), rec('b'), rec('c')],
      references: new Map([['a', 'ref a'], ['b', 'ref b'], ['c', 'ref c']]),
      trainReports: ['Normal.', 'Effusion.', 'Normal.', 'Edema.'],
      cohortDir: '/nowhere',
    };
    const [constant, random] = cohortBaselines(items, 3);
    assert.deepEqual([...constant.reports.values()], ['Normal.', 'Normal.', 'Normal.']);
    assert.deepEqual([...random.reports.keys()], ['a', 'b', 'c']);
    for (const t of random.reports.values()) assert.ok(items.trainReports.includes(t));
    assert.deepEqual([...cohortBaselines(items, 3)[1].reports], [...random.reports]);
  });
});
