/**
 * A RadGraph-STYLE extractor and the RadGraph F1 levels. RadGraph proper is a trained model (DyGIE++
 * over PubMedBERT) with no weights here; this is a named, lexicon-based approximation: anatomy and
 * observation words from the lexicon below, the observation's certainty from the NegEx-style stage
 * (OBS-DP present, OBS-U uncertain, OBS-DA absent; anatomy is always ANAT-DP), and relations by
 * position: `modify` from a descriptor to the next head within its phrase, `located_at` from an
 * observation to the nearest anatomy in its clause, `suggestive_of` across "may represent",
 * "consistent with", "suggestive of", …. Real RadGraph output (the `radgraph` package's JSON) is
 * accepted in its place through `graphFromRadgraphJson`.
 *
 * F1 levels, per report, then averaged over reports (as the radgraph package's F1RadGraph rewards):
 *   simple   — entities as (tokens, label);
 *   partial  — entities as (tokens, label) when without relations, else (tokens, label, has-relation);
 *   complete — entities as (tokens, label) when without relations, else one item per relation:
 *              (tokens, label, relation type, target tokens).
 * A report pair where either side has no entity scores 0 (as the package's compute_reward).
 *
 * Complexity, per sentence of n tokens: O(n) entity look-ups, each observation word classified by
 * the NegEx-style stage in O(C log n) (C cue phrases; ../labels/negex.ts); `modify` and `located_at`
 * reach at most 3 and 6 tokens and qualifier chains 8 steps; `suggestive_of` reads the nearest
 * observation on either side of each cue from two prefix arrays, O(n) in all (it scanned the
 * sentence once per cue before, quadratic on long unpunctuated text). `graphItems` and `setF1` are
 * linear in the entities and relations: near-linear in the report.
 */
import { splitSentences } from '../labels/chexpert.js';
import { classifyMention, tokenizeSentence } from '../labels/negex.js';

export type EntityLabel = 'ANAT-DP' | 'OBS-DP' | 'OBS-U' | 'OBS-DA';
export type RelationType = 'modify' | 'located_at' | 'suggestive_of';
export interface Entity {
  tokens: string;
  label: EntityLabel;
  /** [relation, index of the target entity]. */
  relations: [RelationType, number][];
}
export interface Graph {
  entities: Entity[];
}
export type RadGraphLevel = 'simple' | 'partial' | 'complete';

const ANATOMY = [
  'lung', 'lungs', 'lobe', 'lobes', 'base', 'bases', 'apex', 'apices', 'hilum', 'hila', 'hilar', 'perihilar', 'heart', 'cardiac',
  'mediastinum', 'mediastinal', 'cardiomediastinal', 'pleura', 'pleural', 'costophrenic', 'angle', 'angles', 'sulcus', 'sulci',
  'diaphragm', 'hemidiaphragm', 'hemidiaphragms', 'spine', 'thoracic', 'vertebral', 'vertebrae', 'rib', 'ribs', 'clavicle',
  'trachea', 'aorta', 'aortic', 'pulmonary', 'vasculature', 'vascularity', 'vascular', 'chest', 'thorax', 'lingula', 'retrocardiac',
  'bibasilar', 'basilar', 'osseous', 'bony', 'bones', 'soft', 'tissues', 'silhouette', 'contour', 'contours', 'abdomen',
  'upper', 'lower', 'middle', 'left', 'right', 'bilateral', 'bilaterally', 'mid', 'zone', 'zones', 'field', 'fields', 'shoulder',
  'humerus', 'sternum', 'airspace', 'interstitial', 'parenchyma', 'parenchymal', 'atrium', 'ventricle', 'arch', 'knob',
];
const OBSERVATION = [
  'effusion', 'effusions', 'pneumothorax', 'consolidation', 'consolidations', 'opacity', 'opacities', 'opacification',
  'atelectasis', 'atelectatic', 'edema', 'cardiomegaly', 'enlarged', 'enlargement', 'normal', 'clear', 'unremarkable', 'stable',
  'unchanged', 'nodule', 'nodules', 'nodular', 'mass', 'masses', 'granuloma', 'granulomas', 'granulomatous', 'calcified',
  'calcification', 'calcifications', 'fracture', 'fractures', 'degenerative', 'changes', 'scarring', 'scar', 'emphysema',
  'hyperinflation', 'hyperinflated', 'hyperexpanded', 'infiltrate', 'infiltrates', 'disease', 'pneumonia', 'tortuous',
  'tortuosity', 'size', 'congestion', 'thickening', 'blunting', 'hernia', 'deformity', 'scoliosis', 'kyphosis', 'spondylosis',
  'osteophytes', 'lucency', 'density', 'densities', 'markings', 'prominence', 'prominent', 'widened', 'elevated', 'elevation',
  'intact', 'ectasia', 'atherosclerosis', 'atherosclerotic', 'sclerosis', 'fibrosis', 'collapse', 'infection', 'process',
  'abnormality', 'abnormalities', 'findings', 'volumes', 'volume', 'expanded', 'aerated', 'inflated', 'limits', 'catheter',
  'tube', 'pacemaker', 'clips', 'sutures', 'wires', 'sternotomy', 'stent', 'stents', 'device', 'lines', 'line', 'port',
];
/** Descriptors: observations (OBS-*) that modify the head that follows them. */
const DESCRIPTOR = new Set([
  'mild', 'mildly', 'moderate', 'severe', 'small', 'large', 'minimal', 'trace', 'tiny', 'focal', 'patchy', 'streaky', 'diffuse',
  'chronic', 'acute', 'old', 'new', 'subsegmental', 'linear', 'dense', 'low', 'increased', 'decreased', 'healed',
  'calcified', 'degenerative', 'enlarged', 'prominent', 'tortuous', 'stable', 'unchanged', 'elevated',
]);
const SUGGESTIVE_PHRASES = ['may represent', 'may reflect', 'suggestive of', 'suggesting', 'consistent with', 'compatible with', 'likely', 'represents', 'representing', 'could represent', 'concerning for', 'due to', 'secondary to'];
const SUGGESTIVE = SUGGESTIVE_PHRASES.map((p) => p.split(' '));
const NORMALITY = new Set(['normal', 'clear', 'unremarkable', 'intact', 'limits']);
const PHRASE_BARRIER = new Set([',', ';', ':', '.', 'and', 'or', 'with', 'without', 'but', 'which', 'no']);
const LOCATION_BARRIER = new Set([';', ':', '.', 'but', 'which', 'however']);
const ANATOMY_SET = new Set(ANATOMY);
/** Anatomy words that qualify the anatomy head after them. */
const QUALIFIER = new Set(['upper', 'lower', 'middle', 'left', 'right', 'bilateral', 'mid', 'soft', 'thoracic', 'costophrenic', 'pulmonary', 'cardiac', 'mediastinal', 'cardiomediastinal', 'hilar', 'aortic', 'bony', 'osseous']);
const OBSERVATION_SET = new Set([...OBSERVATION, ...DESCRIPTOR]);

/** Extract a RadGraph-style graph from report text. */
export function extractGraph(text: string): Graph {
  const entities: Entity[] = [];
  for (const raw of splitSentences(text)) {
    const s = tokenizeSentence(raw);
    const { tokens } = s;
    const idx: (number | null)[] = tokens.map(() => null);
    tokens.forEach((t, k) => {
      let label: EntityLabel | null = null;
      if (ANATOMY_SET.has(t)) label = 'ANAT-DP';
      else if (OBSERVATION_SET.has(t)) {
        const c = NORMALITY.has(t) ? 'positive' : classifyMention(s, k, k);
        label = c === 'negative' ? 'OBS-DA' : c === 'uncertain' ? 'OBS-U' : 'OBS-DP';
      }
      if (label) {
        idx[k] = entities.length;
        entities.push({ tokens: t, label, relations: [] });
      }
    });
    // modify: a descriptor or anatomical qualifier -> the next entity of its kind in its phrase (≤ 3 tokens on)
    for (let k = 0; k < tokens.length; k++) {
      const e = idx[k];
      if (e === null) continue;
      const ent = entities[e];
      if (!(DESCRIPTOR.has(tokens[k]) || (ent.label === 'ANAT-DP' && QUALIFIER.has(tokens[k])))) continue;
      for (let j = k + 1; j < tokens.length && j <= k + 3 && !PHRASE_BARRIER.has(tokens[j]); j++) {
        const t = idx[j];
        if (t !== null && entities[t].label.slice(0, 3) === ent.label.slice(0, 3)) {
          ent.relations.push(['modify', t]);
          break;
        }
      }
    }
    // the head a qualifier chain ends in ("right" -> "lower" -> "lobe")
    const head = (t: number): number => {
      for (let guard = 0; guard < 8; guard++) {
        const m = entities[t].relations.find(([r]) => r === 'modify');
        if (!m) break;
        t = m[1];
      }
      return t;
    };
    // located_at: an observation that modifies nothing -> the nearest anatomy in its clause (≤ 6 tokens)
    for (let k = 0; k < tokens.length; k++) {
      const e = idx[k];
      if (e === null || entities[e].label === 'ANAT-DP' || entities[e].relations.length) continue;
      let best: number | null = null;
      let dist = Infinity;
      for (const dir of [-1, 1]) {
        for (let j = k + dir; j >= 0 && j < tokens.length && Math.abs(j - k) <= 6; j += dir) {
          if (LOCATION_BARRIER.has(tokens[j])) break;
          const t = idx[j];
          if (t !== null && entities[t].label === 'ANAT-DP') {
            if (Math.abs(j - k) < dist) (best = head(t)), (dist = Math.abs(j - k));
            break;
          }
        }
      }
      if (best !== null) entities[e].relations.push(['located_at', best]);
    }
    // suggestive_of: observation before a cue -> the first observation after it. The nearest
    // observation on each side is read from two prefix arrays (one pass each), not scanned per cue.
    const obsAtOrBefore = new Int32Array(tokens.length);
    const obsAtOrAfter = new Int32Array(tokens.length + 1).fill(-1);
    for (let j = 0, o = -1; j < tokens.length; j++) obsAtOrBefore[j] = o = idx[j] !== null && entities[idx[j]!].label !== 'ANAT-DP' ? idx[j]! : o;
    for (let j = tokens.length - 1, o = -1; j >= 0; j--) obsAtOrAfter[j] = o = idx[j] !== null && entities[idx[j]!].label !== 'ANAT-DP' ? idx[j]! : o;
    for (const words of SUGGESTIVE) {
      for (const k of s.positions.get(words[0]) ?? []) {
        if (k + words.length > tokens.length || !words.every((w, q) => tokens[k + q] === w)) continue;
        const from = k > 0 ? obsAtOrBefore[k - 1] : -1;
        const to = obsAtOrAfter[k + words.length];
        if (from >= 0 && to >= 0) entities[from].relations.push(['suggestive_of', to]);
      }
    }
  }
  return { entities };
}

/** The items a report contributes at a level (see the module comment). */
export function graphItems(g: Graph, level: RadGraphLevel): Set<string> {
  const out = new Set<string>();
  for (const e of g.entities) {
    if (level === 'simple' || e.relations.length === 0) out.add(`${e.tokens}\u0001${e.label}`);
    else if (level === 'partial') out.add(`${e.tokens}\u0001${e.label}\u0001has-relation`);
    else for (const [rel, t] of e.relations) out.add(`${e.tokens.toLowerCase()}\u0001${e.label}\u0001${rel}\u0001${g.entities[t].tokens.toLowerCase()}`);
  }
  return out;
}

/** F1 of two item sets (0 when either is empty, as the radgraph package's reward). */
export function setF1(hyp: Set<string>, ref: Set<string>): number {
  if (hyp.size === 0 || ref.size === 0) return 0;
  let both = 0;
  for (const x of hyp) if (ref.has(x)) both++;
  if (both === 0) return 0;
  const p = both / hyp.size;
  const r = both / ref.size;
  return (2 * p * r) / (p + r);
}

/** RadGraph-style F1: the mean over report pairs of the per-report F1 at the given level. */
export function radgraphF1(
  hyps: readonly (string | Graph)[],
  refs: readonly (string | Graph)[],
  level: RadGraphLevel = 'partial',
): { f1: number; perReport: number[] } {
  if (hyps.length !== refs.length) throw new Error(`RadGraph F1: ${hyps.length} hypotheses but ${refs.length} references`);
  const g = (x: string | Graph): Graph => (typeof x === 'string' ? extractGraph(x) : x);
  const perReport = hyps.map((h, i) => setF1(graphItems(g(h), level), graphItems(g(refs[i]), level)));
  return { f1: perReport.length ? perReport.reduce((a, b) => a + b, 0) / perReport.length : 0, perReport };
}

/** One report's graph from the `radgraph` package's JSON ({entities: {id: {tokens, label, relations: [[type, id]]}}}). */
export function graphFromRadgraphJson(report: { entities: Record<string, { tokens: string; label: string; relations: [string, string][] }> }, where = 'RadGraph JSON'): Graph {
  const ids = Object.keys(report.entities ?? {});
  const pos = new Map(ids.map((id, k) => [id, k]));
  const labels = new Set(['ANAT-DP', 'OBS-DP', 'OBS-U', 'OBS-DA']);
  const entities = ids.map((id) => {
    const e = report.entities[id];
    if (!labels.has(e.label)) throw new Error(`${where}: entity ${id} has label '${e.label}'`);
    const relations = (e.relations ?? []).map(([type, target]): [RelationType, number] => {
      const t = pos.get(String(target));
      if (t === undefined) throw new Error(`${where}: entity ${id} relates to unknown entity ${target}`);
      return [type as RelationType, t];
    });
    return { tokens: String(e.tokens).toLowerCase(), label: e.label as EntityLabel, relations };
  });
  return { entities };
}
