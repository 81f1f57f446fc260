/**
 * No super-linear time in the metrics on long predictions (issue 20): time(4n)/time(n) stays near
 * 4 (see ./time-ratio.ts), where the earlier code gave 11–18 at these sizes (the NegEx stage
 * behind the RadGraph-style extractor and the report metrics; METEOR's list scans, 14 for two long
 * texts with no word in common; the report normalizer's period pattern, 17 on a long run of spaces).
 */
import { corpusBleu } from '../../src/metrics/bleu.js';
import { meteorScore } from '../../src/metrics/meteor.js';
import { extractGraph } from '../../src/metrics/radgraph.js';
import { normalizeReport, reportMetrics } from '../../src/metrics/report.js';
import { rougeL } from '../../src/metrics/rouge.js';
import { vqaScore } from '../../src/metrics/vqa.js';
import { assertNearLinear, repeatTo } from './time-ratio.js';

const REF = 'The heart is normal in size. No pleural effusion or pneumothorax. Mild bibasilar atelectasis.';
/** A report without punctuation, as the hostile prediction of issue 20. */
const unpunctuated = repeatTo('no pleural effusion or pneumothorax the heart is normal in size there is mild atelectasis likely scarring no acute fracture lungs are clear ');
/** Words that never repeat (the largest vocabulary: string n-gram keys, a WordNet look-up per word), all starting with `first`. */
function distinctWords(n: number, first = 'w'): string {
  const out: string[] = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const w = `${first}${i.toString(36).replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)])}`;
    out.push(w);
    len += w.length + 1;
  }
  return out.join(' ').slice(0, n);
}

describe('metrics: near-linear time in the length of a prediction (time ratios, no wall-clock limits)', () => {
  it('RadGraph-style extractor: unpunctuated text and a run of "likely" cues', () => {
    assertNearLinear('extractGraph(unpunctuated)', (s) => extractGraph(s), unpunctuated, 160_000);
    assertNearLinear('extractGraph(likely …)', (s) => extractGraph(s), repeatTo('likely '), 400_000);
  });
  it('BLEU: unpunctuated text and distinct words', () => {
    assertNearLinear('BLEU(unpunctuated)', (s) => corpusBleu([s], [[REF]]), unpunctuated, 100_000);
    // ≥ 200k characters: both sizes past the 9,741-word vocabulary where n-gram keys turn from numbers into strings
    assertNearLinear('BLEU(distinct words)', (s) => corpusBleu([s], [[REF]]), distinctWords, 200_000);
  });
  it('METEOR: unpunctuated text and distinct words against a fixed reference', () => {
    assertNearLinear('METEOR(unpunctuated)', (s) => meteorScore(s, [REF]), unpunctuated, 100_000);
    assertNearLinear('METEOR(distinct words)', (s) => meteorScore(s, [REF]), distinctWords, 100_000);
  });
  it('METEOR: a long prediction against an equally long reference with no word in common stays near-linear', () => {
    // NLTK's list scans are O(n·m), each hypothesis word scanning the whole reference in three stages: quadratic here
    assertNearLinear('METEOR(long vs long)', (s) => meteorScore(s, [s.replace(/(^| )w/g, '$1v')]), (n) => distinctWords(n), 50_000);
  });
  it('ROUGE-L: linear in the prediction for a fixed reference (O(n·m) in both)', () => {
    assertNearLinear('ROUGE-L(unpunctuated)', (s) => rougeL(s, [REF]), unpunctuated, 400_000);
  });
  it('report normalization: a long run of spaces, a long run of periods', () => {
    assertNearLinear('normalizeReport(spaces)', (s) => normalizeReport(s), (n) => `a${' '.repeat(n)}b`, 400_000);
    assertNearLinear('normalizeReport(periods)', (s) => normalizeReport(s), repeatTo('. '), 100_000);
  });
  it('the report metrics end to end (normalization, BLEU, METEOR, ROUGE-L, RadGraph-style, labels)', () => {
    assertNearLinear('reportMetrics(unpunctuated)', (s) => reportMetrics([s], [REF]), unpunctuated, 160_000);
  });
  it('VQA scores: a long list answer and a long free-text answer', () => {
    assertNearLinear('vqaScore(list)', (s) => vqaScore(s, 'effusion|atelectasis', 'list'), repeatTo('effusion|'), 250_000);
    assertNearLinear('vqaScore(free)', (s) => vqaScore(s, REF, 'free'), unpunctuated, 100_000);
  });
});
