import assert from 'node:assert/strict';
import { cohortBaselines, type CohortReportItems } from '../../src/arena/contestants.js';
import type { InstructionRecord } from '../../src/data/types.js';

describe('arena/contestants', () => {
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
