import assert from 'node:assert/strict';
import { constantReport, indicationRetriever, meshOracleRetriever, type IuStudy } from '../../src/eval/baselines.js';

const s = (id: string, findings: string, indication: string, mesh: string): IuStudy => ({ id, split: 'train', findings, indication, mesh });

describe('metrics: report baselines', () => {
  const train = [
    s('a', 'Lungs are clear.', 'Chest pain.', 'normal'),
    s('b', 'Cardiomegaly.', 'Shortness of breath, heart failure.', 'Cardiomegaly/mild'),
    s('c', 'Lungs are clear.', 'Cough.', 'normal'),
    s('d', 'Left effusion.', 'Fever and cough, pneumonia?', 'Pleural Effusion/left;Opacity/lung'),
  ];
  it('the constant report is the most frequent training report', () => assert.equal(constantReport(train), 'Lungs are clear.'));
  it('retrieves by indication (TF-IDF cosine), falling back to the constant report', () => {
    const test = [s('t1', '', 'History of heart failure', ''), s('t2', '', 'XXXX', ''), s('t3', '', 'pneumonia', '')];
    assert.deepEqual(indicationRetriever(train, test), ['Cardiomegaly.', 'Lungs are clear.', 'Left effusion.']);
  });
  it("weighs words by natural's idf, 1 + ln(N / (1 + df)) (hand-worked)", () => {
    // 'cough' (df 2): idf 1 + ln(4/3) = 1.2877; 'pneumonia' (df 1): 1 + ln(2) = 1.6931. Cosine with c ('cough'
    // alone) 0.6055, with d ('fever and cough, pneumonia') (0.6055·1.2877 + 0.7960·1.6931) / 3.2027 = 0.6643: d.
    assert.deepEqual(indicationRetriever(train, [s('t', '', 'cough, pneumonia', '')]), ['Left effusion.']);
    assert.deepEqual(indicationRetriever(train, [s('t', '', 'cough', '')]), ['Lungs are clear.']);
  });
  it('the MeSH oracle picks the training report with the nearest tags (Jaccard)', () => {
    const test = [s('t1', '', '', 'Pleural Effusion/left'), s('t2', '', '', 'Cardiomegaly/mild;Opacity/lung')];
    // t2: Jaccard with b = 1/2, with d = 1/3
    assert.deepEqual(meshOracleRetriever(train, test), ['Left effusion.', 'Cardiomegaly.']);
  });
});
