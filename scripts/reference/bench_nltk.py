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
wall, cpu = {}, {}


def timed(name, fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    wall[name] = time.perf_counter() - w
    cpu[name] = time.process_time() - c
    return out


def setup():
    reader = R.nltk_reader()
    reader.synsets('heart')  # the first lookup opens the data files
    return reader


wn = timed('setup', setup)
hyp_tok = [h.split() for h in hyps]
ref_tok = [[r.split()] for r in refs]
bleu = timed('bleu', lambda: [corpus_bleu(ref_tok, hyp_tok, weights=tuple([1.0 / k] * k)) for k in range(1, 5)])
meteor = timed('meteor', lambda: [meteor_score([r.split()], h.split(), wordnet=wn) for h, r in zip(hyps, refs)])
rouge = timed('rouge', lambda: [R.coco_rouge_l(h, [r]) for h, r in zip(hyps, refs)])

print(json.dumps({
    'seconds': wall, 'cpuSeconds': cpu,
    'bleu': bleu, 'meteor': meteor, 'rouge': rouge,
}))
