import assert from 'node:assert/strict';
import { extractGraph, graphFromRadgraphJson, radgraphF1, type Graph } from '../../src/metrics/radgraph.js';

describe('metrics: RadGraph-style extractor and F1 levels', () => {
  it('extracts entities with certainty and relations', () => {
    const g = extractGraph('Small left pleural effusion. No pneumothorax. Patchy opacity in the right lower lobe may represent atelectasis.');
    const show = g.entities.map((e) => `${e.tokens}:${e.label}${e.relations.map(([r, t]) => ` ${r}>${g.entities[t].tokens}`).join('')}`);
    assert.deepEqual(show, [
      'small:OBS-DP modify>effusion', 'left:ANAT-DP modify>pleural', 'pleural:ANAT-DP', 'effusion:OBS-DP located_at>pleural',
      'pneumothorax:OBS-DA', 'patchy:OBS-DP modify>opacity', 'opacity:OBS-DP located_at>lobe suggestive_of>atelectasis',
      'right:ANAT-DP modify>lower', 'lower:ANAT-DP modify>lobe', 'lobe:ANAT-DP', 'atelectasis:OBS-U located_at>lobe',
    ]);
  });
  it('scores the three levels as hand-worked', () => {
    // hyp: a(OBS-DP) located_at b(ANAT-DP); c(OBS-DA)
    const hyp: Graph = { entities: [{ tokens: 'a', label: 'OBS-DP', relations: [['located_at', 1]] }, { tokens: 'b', label: 'ANAT-DP', relations: [] }, { tokens: 'c', label: 'OBS-DA', relations: [] }] };
    // ref: a(OBS-DP) located_at d(ANAT-DP); b(ANAT-DP); c(OBS-DP)
    const ref: Graph = { entities: [{ tokens: 'a', label: 'OBS-DP', relations: [['located_at', 1]] }, { tokens: 'd', label: 'ANAT-DP', relations: [] }, { tokens: 'b', label: 'ANAT-DP', relations: [] }, { tokens: 'c', label: 'OBS-DP', relations: [] }] };
    // simple: hyp {a/OBS-DP, b/ANAT, c/OBS-DA}, ref {a/OBS-DP, d/ANAT, b/ANAT, c/OBS-DP}: 2 shared -> P 2/3, R 2/4 -> F1 4/7
    assert.ok(Math.abs(radgraphF1([hyp], [ref], 'simple').f1 - 4 / 7) < 1e-12);
    // partial: hyp {a/OBS-DP/has-relation, b, c/DA}, ref {a/OBS-DP/has-relation, d, b, c/DP}: same 2 shared -> 4/7
    assert.ok(Math.abs(radgraphF1([hyp], [ref], 'partial').f1 - 4 / 7) < 1e-12);
    // complete: a's relation targets differ (b vs d): only b shared -> P 1/3, R 1/4 -> 2/7
    assert.ok(Math.abs(radgraphF1([hyp], [ref], 'complete').f1 - 2 / 7) < 1e-12);
    // partial ignores the relation's type; complete does not
    const hyp2: Graph = { entities: [{ tokens: 'a', label: 'OBS-DP', relations: [['modify', 1]] }, { tokens: 'b', label: 'ANAT-DP', relations: [] }] };
    const ref2: Graph = { entities: [{ tokens: 'a', label: 'OBS-DP', relations: [['located_at', 1]] }, { tokens: 'b', label: 'ANAT-DP', relations: [] }] };
    assert.equal(radgraphF1([hyp2], [ref2], 'partial').f1, 1);
    assert.equal(radgraphF1([hyp2], [ref2], 'complete').f1, 0.5);
  });
  it('averages per-report F1 over reports; a side without entities scores 0', () => {
    const r = radgraphF1(['No pneumothorax. Heart size normal.', '', ''], ['Heart size is normal. No pneumothorax or effusion.', '', 'Effusion.']);
    // report 1: 4 hyp items all in ref's 5 -> P 1, R 0.8 -> 8/9
    assert.ok(Math.abs(r.perReport[0] - 8 / 9) < 1e-12);
    assert.deepEqual(r.perReport.slice(1), [0, 0]);
    assert.ok(Math.abs(r.f1 - 8 / 9 / 3) < 1e-12);
  });
  it('reads the radgraph package JSON and names bad entities', () => {
    const g = graphFromRadgraphJson({ entities: { '1': { tokens: 'Effusion', label: 'OBS-DP', relations: [['located_at', '2']] }, '2': { tokens: 'pleural', label: 'ANAT-DP', relations: [] } } });
    assert.deepEqual(g.entities[0], { tokens: 'effusion', label: 'OBS-DP', relations: [['located_at', 1]] });
    assert.throws(() => graphFromRadgraphJson({ entities: { '1': { tokens: 'x', label: 'FOO', relations: [] } } }, 'r.json#7'), /r\.json#7: entity 1 has label 'FOO'/);
  });
});
