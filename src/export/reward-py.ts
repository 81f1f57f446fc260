/**
 * The reward specification for paper-scale GRPO: a JSON spec (λ, answer scale, box reward, penalty,
 * cap/floor variant, image bound, text variant) and a Python reward module in the interface EasyR1
 * calls: the module declares REWARD_TYPE = "batch", so EasyR1 calls `compute_score(reward_inputs)`
 * with a list of {"response", "ground_truth", …} (one such dict, EasyR1's "sequential" call, is
 * answered too). It computes the same reward as src/rewards/compose.ts:
 * r = (1 − λ)·r_ans + λ·r_form + r_coo. It needs only NLTK (for sentence BLEU and the Porter stemmer);
 * ROUGE-1 is computed in the module the way rouge_score does it (lower-case, non-alphanumerics to
 * spaces, tokens longer than 3 letters stemmed).
 */
import type { RewardSpec } from '../rewards/compose.js';

/** The spec as written to reward_spec.json (keys in the Python module's terms). */
export interface RewardSpecJson {
  lambda: number;
  format: boolean;
  answer_scale: number;
  coordinate: 'cap' | 'floor' | 'off';
  box_reward: number;
  box_penalty: number;
  box_limit: number;
  bound: number;
  text: 'paper-code' | 'word';
  /** Where each part comes from, for a human reading the file. */
  description: string;
}

export function rewardSpecJson(spec: RewardSpec): RewardSpecJson {
  if ((spec.clinical ?? 0) !== 0) {
    throw new Error(`reward.clinical=${spec.clinical}: the clinical term (a CheXpert labeler) has no Python port; export the paper's reward with reward.clinical=0`);
  }
  return {
    lambda: spec.lambda,
    format: spec.format,
    answer_scale: spec.answerScale,
    coordinate: spec.coordinate,
    box_reward: spec.boxReward,
    box_penalty: spec.boxPenalty,
    box_limit: spec.boxLimit,
    bound: spec.bound,
    text: spec.text,
    description:
      'r = (1 - lambda) * r_ans + lambda * r_form + r_coo (lambda = 0 when format is false). ' +
      'r_form: 1 if the response (whitespace around <, > and / removed) matches <think>.*</think>.*\\boxed{.*}.*. ' +
      'r_ans = answer_scale * score of the last \\boxed{} content: exact match (ground truth of <= 2 tokens), set F1 over |-items (ground truth with |, <= 20 tokens), ' +
      'else mean of BLEU-1, BLEU-4 (NLTK sentence_bleu, smoothing method2; over characters for text=paper-code, words for text=word) and ROUGE-1 F (stemmed). ' +
      'r_coo: box_reward per [a,b,c,d] in the first <think> block, -box_penalty if a coordinate exceeds bound; summed, then capped at box_limit (coordinate=cap) or floored at it (floor), or 0 (off).',
  };
}

/** Python source of the EasyR1 reward module, with the spec embedded (and overridable by a JSON file). */
export function easyR1RewardModule(spec: RewardSpec): string {
  const json = JSON.stringify(rewardSpecJson(spec), null, 2);
  if (json.includes("'''")) throw new Error('reward spec cannot be embedded');
  return String.raw`"""DeepMedix-R1 reward for EasyR1 (written by the DeepMedix workbench: deepmedix export).

r = (1 - lambda) * r_ans + lambda * r_form + r_coo, as in the workbench's src/rewards/compose.ts.
EasyR1 config:  worker.reward.reward_function=./deepmedix_reward.py:compute_score
EasyR1 reads REWARD_NAME and REWARD_TYPE below (batch: a list of reward inputs per call).
Set DEEPMEDIX_REWARD_SPEC=/path/reward_spec.json to override the embedded spec.
Needs: nltk.
"""
import json
import os
import re

from nltk.stem.porter import PorterStemmer
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

REWARD_NAME = "deepmedix_r1"
REWARD_TYPE = "batch"

SPEC = json.loads(r'''${json}''')
if os.environ.get("DEEPMEDIX_REWARD_SPEC"):
    with open(os.environ["DEEPMEDIX_REWARD_SPEC"], encoding="utf-8") as f:
        SPEC.update(json.load(f))

_STEMMER = PorterStemmer()
_SMOOTH = SmoothingFunction().method2
_FORMAT = re.compile(r"<think>.*</think>.*\\boxed\{.*\}.*", re.DOTALL)
_NUM = r"[-+]?\d*\.?\d+"
_BOX = re.compile(r"\[(" + _NUM + r"(?:,\s*" + _NUM + r"){3})\]")
_BOXED = "\\boxed{"


def normalize(response):
    """Remove whitespace around <, > and / (so '< /think >' reads as '</think>')."""
    return re.sub(r"\s*(<|>|/)\s*", r"\1", response)


def format_reward(text):
    return 1.0 if _FORMAT.fullmatch(text) else 0.0


def extract_answer(text):
    """Content of the last \boxed{...} with braces matched by depth; 'None' when absent or unclosed."""
    start = text.rfind(_BOXED)
    if start < 0:
        return "None"
    depth = 1
    begin = start + len(_BOXED)
    for i in range(begin, len(text)):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[begin:i].strip()
    return "None"


def answer_kind(ground_truth):
    n = len(ground_truth.strip().split())
    if "|" in ground_truth and n <= 20:
        return "list"
    if n <= 2:
        return "short"
    return "free"


def _items(s):
    return [x.strip().lower() for x in s.strip().split("|")]


def list_score(answer, ground_truth):
    truth, pred = _items(ground_truth), _items(answer)
    common = len(set(pred) & set(truth))
    p = common / len(pred) if pred else 0.0
    r = common / len(truth) if truth else 0.0
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def _rouge_tokens(text):
    tokens = re.sub(r"[^a-z0-9]+", " ", text.lower()).split()
    tokens = [_STEMMER.stem(t) if len(t) > 3 else t for t in tokens]
    return [t for t in tokens if re.fullmatch(r"[a-z0-9]+", t)]


def rouge1_f(target, prediction):
    t, p = {}, {}
    for tok in _rouge_tokens(target):
        t[tok] = t.get(tok, 0) + 1
    for tok in _rouge_tokens(prediction):
        p[tok] = p.get(tok, 0) + 1
    overlap = sum(min(c, p.get(g, 0)) for g, c in t.items())
    precision = overlap / max(sum(p.values()), 1)
    recall = overlap / max(sum(t.values()), 1)
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def free_text_score(answer, ground_truth):
    if SPEC["text"] == "word":
        ref, hyp = ground_truth.split(), answer.split()
    else:  # paper-code: raw strings, so NLTK counts characters
        ref, hyp = list(ground_truth), list(answer)
    b1 = sentence_bleu([ref], hyp, weights=(1, 0, 0, 0), smoothing_function=_SMOOTH)
    b4 = sentence_bleu([ref], hyp, weights=(0.25, 0.25, 0.25, 0.25), smoothing_function=_SMOOTH)
    return (b1 + b4 + rouge1_f(answer, ground_truth)) / 3


def answer_reward(extracted, ground_truth):
    answer = extracted if extracted else " "
    kind = answer_kind(ground_truth)
    if kind == "list":
        score = list_score(answer, ground_truth)
    elif kind == "short":
        score = 1.0 if answer.lower() == ground_truth.lower() else 0.0
    else:
        score = free_text_score(answer, ground_truth)
    return SPEC["answer_scale"] * score


def coordinate_reward(text):
    if SPEC["coordinate"] == "off":
        return 0.0
    raw = 0.0
    open_at = text.find("<think>")
    close_at = text.find("</think>", open_at + len("<think>")) if open_at >= 0 else -1
    if close_at >= 0:  # boxes count only inside the first complete think block
        for m in _BOX.finditer(text[open_at + len("<think>"):close_at]):
            coords = [float(x.strip()) for x in m.group(1).split(",")]
            raw += -SPEC["box_penalty"] if max(coords) > SPEC["bound"] else SPEC["box_reward"]
    if SPEC["coordinate"] == "cap":
        return min(raw, SPEC["box_limit"])
    return max(raw, SPEC["box_limit"])


def score_one(response, ground_truth):
    text = normalize(response)
    fmt = format_reward(text)
    ans = answer_reward(extract_answer(text), ground_truth)
    coo = coordinate_reward(text)
    lam = SPEC["lambda"] if SPEC["format"] else 0.0
    return {"overall": (1 - lam) * ans + lam * fmt + coo, "accuracy": ans, "format": fmt, "coordinate": coo}


def compute_score(reward_inputs, ground_truth=None, **kwargs):
    """EasyR1 entry point: a list of {'response', 'ground_truth', ...} (REWARD_TYPE batch); one such
    dict (sequential); or (response, ground_truth) strings, for calling it by hand."""
    if isinstance(reward_inputs, str):
        return score_one(reward_inputs, ground_truth)
    if isinstance(reward_inputs, dict):
        return score_one(reward_inputs["response"], reward_inputs["ground_truth"])
    return [score_one(x["response"], x["ground_truth"]) for x in reward_inputs]


if __name__ == "__main__":  # JSONL in ({"response", "ground_truth"}) -> JSONL out, for checking
    import sys

    for line in sys.stdin:
        if line.strip():
            row = json.loads(line)
            print(json.dumps(score_one(row["response"], row["ground_truth"])))
`;
}
