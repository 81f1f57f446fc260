"""The peer side of bench/metrics.ts: NLTK 3.8's corpus_bleu (BLEU-1..4) and meteor_score, and the
pycocoevalcap-formula ROUGE-L port (NLTK has no ROUGE), timed on the pairs file the bench writes
({"pairs": [[hyp, ref], ...]}, texts already normalized). Prints one JSON object.

Run by bench/metrics.ts as: /usr/bin/python3 scripts/reference/bench_nltk.py PAIRS.json
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import nlg_reference as R  # noqa: E402
from nltk.translate.bleu_score import corpus_bleu  # noqa: E402
from nltk.translate.meteor_score import meteor_score  # noqa: E402

pairs = json.load(open(sys.argv[1]))['pairs']
hyps = [h for h, _ in pairs]
refs = [r for _, r in pairs]
t0 = time.perf_counter()
wn = R.nltk_reader()
wn.synsets('heart')  # first lookup opens the data files
t_setup = time.perf_counter() - t0

t0 = time.perf_counter()
hyp_tok = [h.split() for h in hyps]
ref_tok = [[r.split()] for r in refs]
bleu = [corpus_bleu(ref_tok, hyp_tok, weights=tuple([1.0 / k] * k)) for k in range(1, 5)]
t_bleu = time.perf_counter() - t0

t0 = time.perf_counter()
meteor = [meteor_score([r.split()], h.split(), wordnet=wn) for h, r in zip(hyps, refs)]
t_meteor = time.perf_counter() - t0

t0 = time.perf_counter()
rouge = [R.coco_rouge_l(h, [r]) for h, r in zip(hyps, refs)]
t_rouge = time.perf_counter() - t0

print(json.dumps({
    'seconds': {'setup': t_setup, 'bleu': t_bleu, 'meteor': t_meteor, 'rouge': t_rouge},
    'bleu': bleu, 'meteor': meteor, 'rouge': rouge,
}))
