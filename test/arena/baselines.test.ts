import assert from 'node:assert/strict';
import { iuBaselines, iuReferences, loadIuStudies } from '../../src/arena/baselines.js';
import { clinicalOfflineJudge } from '../../src/arena/clinical.js';
import { describeWithShared } from '../helpers.js';

describeWithShared('arena/baselines on IU reports', ['data', 'iu-xray'], () => {
  it('builds the four contestants from the R2Gen split (src/eval/baselines.ts + a seeded random report)', () => {
    const studies = loadIuStudies();
    const count = (s: string) => studies.filter((x) => x.split === s).length;
    assert.deepEqual([count('train'), count('val'), count('test')], [2069, 296, 590]);
    const pool = studies.filter((s) => s.split === 'train');
    const test = studies.filter((s) => s.split === 'test').slice(0, 40);
    const models = iuBaselines(pool, test, 1);
    assert.deepEqual(models.map((m) => m.name), ['constant-normal', 'random-train', 'nn-indication', 'oracle-mesh-nn']);
    for (const m of models) assert.equal(m.reports.size, 40);
    assert.equal(new Set(models[0].reports.values()).size, 1);
    const poolReports = new Set(pool.map((s) => s.findings));
    for (const m of models) for (const r of m.reports.values()) assert.ok(poolReports.has(r));
    // The oracle retrieves, for a normal test study, a report of a normal training study.
    const normal = test.find((s) => s.mesh.trim().toLowerCase() === 'normal')!;
    const got = models[3].reports.get(normal.id)!;
    assert.ok(pool.some((s) => s.findings === got && s.mesh.trim().toLowerCase() === 'normal'));
    assert.equal(iuReferences(test).get(test[0].id), test[0].findings);
    // Seeded: same seed, same random reports.
    assert.deepEqual([...iuBaselines(pool, test, 1)[1].reports], [...models[1].reports]);
  });
});

describeWithShared('arena/clinical offline judge', ['data', 'chexpert-phrases'], () => {
  it('prefers the candidate whose findings agree with the reference, decided at the labels level', async () => {
    const judge = clinicalOfflineJudge();
    const j = await judge.judge({ id: 'x', reference: 'Large right pleural effusion. Heart size is normal.', a: 'No pleural effusion. Heart size is normal.', b: 'Right pleural effusion. Normal heart size.' });
    assert.equal(j.outcome, 0);
    assert.equal((j.detail as { decidedBy: string }).decidedBy, 'labels');
    const t = await judge.judge({ id: 'x', reference: 'The lungs are clear.', a: 'The lungs are clear.', b: 'The lungs are clear.' });
    assert.equal(t.verdict, 'tie');
    // An empty report does not pass for a normal one.
    const e = await judge.judge({ id: 'x', reference: 'No pleural effusion or pneumothorax. Heart size is normal.', a: '', b: 'Heart size is normal. No pneumothorax or pleural effusion.' });
    assert.deepEqual([e.outcome, (e.detail as { decidedBy: string }).decidedBy], [0, 'labels']);
  });
});
