import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config.js';
import type { InstructionRecord } from '../../src/data/types.js';
import { easyR1ConfigYaml, toEasyR1Row } from '../../src/export/easyr1.js';
import { toShareGpt, userContent, writeLlamaFactoryDataset } from '../../src/export/llamafactory.js';
import { exportPaperScale, formatInstructionFor, withInstruction } from '../../src/export/paper-scale.js';
import { easyR1RewardModule } from '../../src/export/reward-py.js';
import { computeReward, DEFAULT_REWARD_SPEC, type RewardSpec } from '../../src/rewards/compose.js';

function rec(id: string, prompt: string, answer: string, images = ['images/s1.png']): InstructionRecord {
  return { id, studyId: 's1', patientId: 'p1', task: 'vqa', questionType: 'presence', images, prompt, answer, answerKind: 'short', boxes: [], source: 'synthetic', frame: 512, split: 'ext_vqa' };
}

describe('export: LLaMA-Factory SFT format', () => {
  it('writes sharegpt messages with one <image> per image and the answer as the assistant turn', () => {
    assert.deepEqual(toShareGpt(rec('a', 'Is there an effusion?', 'yes')), {
      messages: [
        { role: 'user', content: '<image>Is there an effusion?' },
        { role: 'assistant', content: 'yes' },
      ],
      images: ['images/s1.png'],
    });
    assert.equal(userContent(rec('b', 'Compare.', 'x', ['a.png', 'b.png'])), '<image><image>Compare.');
    assert.equal(userContent(rec('c', 'Look <image> here', 'x')), 'Look <image> here');
    assert.throws(() => userContent(rec('d', '<image>one', 'x', ['a.png', 'b.png'])), /record d: prompt has 1 <image> tokens but 2 images/);
    assert.equal(userContent(rec('e', 'Q?', 'x'), 'Think first.'), '<image>Q?\nThink first.');
    assert.equal(userContent(rec('f', 'Q?\nThink first.', 'x'), 'Think first.'), '<image>Q?\nThink first.');
    const sys = toShareGpt(rec('g', 'Q', 'A'), { system: 'You are a radiologist.', imagePath: (p) => `/abs/${p}` });
    assert.deepEqual(sys.messages[0], { role: 'system', content: 'You are a radiologist.' });
    assert.deepEqual(sys.images, ['/abs/images/s1.png']);
  });

  it('adds its entry to dataset_info.json, keeping the entries already there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepmedix-lf-'));
    try {
      writeFileSync(join(dir, 'dataset_info.json'), JSON.stringify({ other: { file_name: 'other.json' } }));
      const w = writeLlamaFactoryDataset([rec('a', 'Q', 'A'), rec('b', 'Q2', 'A2')], dir, 'deepmedix_stage1');
      assert.equal(w.count, 2);
      const info = JSON.parse(readFileSync(w.info, 'utf8'));
      assert.deepEqual(Object.keys(info), ['other', 'deepmedix_stage1']);
      assert.deepEqual(info.deepmedix_stage1, {
        file_name: 'deepmedix_stage1.json',
        formatting: 'sharegpt',
        columns: { messages: 'messages', images: 'images' },
        tags: { role_tag: 'role', content_tag: 'content', user_tag: 'user', assistant_tag: 'assistant' },
      });
      const data = JSON.parse(readFileSync(w.data, 'utf8'));
      assert.equal(data.length, 2);
      assert.equal(data[1].messages[1].content, 'A2');
      assert.throws(() => writeLlamaFactoryDataset([], dir, '../evil'), /dataset name/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('export: EasyR1 RL format', () => {
  it('rows carry prompt (with <image>), answer (ground truth), images and id', () => {
    assert.deepEqual(toEasyR1Row(rec('q1', 'Which side?', 'left')), { prompt: '<image>Which side?', answer: 'left', images: ['images/s1.png'], id: 'q1' });
    assert.throws(() => toEasyR1Row({ ...rec('q2', 'x', 'y'), answer: 3 as unknown as string }), /record q2: field 'answer'/);
  });
  it('RL prompts get the format instruction unless they already ask for <think>', () => {
    const [a, b] = withInstruction([rec('a', 'Q?', 'x'), rec('b', 'Q? Reason in <think> </think>.', 'x')], ' Use <think>. ');
    assert.equal(a.prompt, 'Q?\nUse <think>.');
    assert.equal(b.prompt, 'Q? Reason in <think> </think>.');
  });
  it('the config carries the data columns, reward function and GRPO settings', () => {
    const cfg = resolveConfig('default', { 'grpo.groupSize': '6', 'grpo.beta': '0' });
    const y = easyR1ConfigYaml(cfg, { trainFile: 't.jsonl', valFile: 'v.jsonl', imageDir: '/img', formatPrompt: './f.jinja', rewardFile: './r.py', model: 'm', experiment: 'e' });
    assert.match(y, /\n {4}n: 6\n/);
    assert.match(y, /use_kl_loss: false/);
    assert.match(y, /reward_function: \.\/r\.py:compute_score/);
    assert.match(y, /prompt_key: prompt\n {2}answer_key: answer\n {2}image_key: images\n {2}image_dir: \/img/);
  });
});

/** Responses that exercise every part of the reward. */
const CASES: { response: string; truth: string }[] = [
  { response: '<think>Effusion at [10, 20, 30, 40] and [1, 2, 3, 600].</think> \\boxed{Yes}', truth: 'yes' },
  { response: '<think>[1,2,3,4] [5,6,7,8] [9,10,11,12] [13,14,15,16]</think>\\boxed{no}', truth: 'yes' },
  { response: '< think >left base [100, 300, 200, 400]< /think > The answer: \\boxed{left lower lobe|right}', truth: 'left lower lobe|left upper lobe' },
  { response: '<think>heart [150,160,350,380].</think>\\boxed{The heart is mildly enlarged. No pleural effusions are seen.}', truth: 'Mild cardiomegaly. No pleural effusion or pneumothorax.' },
  { response: 'no think block \\boxed{Cardiomegaly}', truth: 'cardiomegaly' },
  { response: '<think>unclosed [1, 2, 3, 4]</think> \\boxed{yes', truth: 'yes' },
  { response: '<think>nested</think> \\boxed{\\frac{1}{2}} then \\boxed{ {a} b }', truth: '{a} b' },
  { response: '<think>x</think>\\boxed{}', truth: 'Lungs are clear without focal consolidation.' },
  { response: '<think>[-5, 2.5, 30, 40]</think>\\boxed{Bilateral opacities, worse at the bases, suggestive of edema.}', truth: 'Bilateral hazy opacities consistent with pulmonary edema.' },
];

const PY = '/usr/bin/python3';
function pythonHasNltk(): boolean {
  if (!existsSync(PY)) return false;
  try {
    execFileSync(PY, ['-c', 'import nltk.translate.bleu_score, nltk.stem.porter'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const havePy = pythonHasNltk();

(havePy ? describe : describe.skip)(`export: the EasyR1 reward module agrees with src/rewards${havePy ? '' : ' [skipped: /usr/bin/python3 with nltk absent]'}`, function () {
  this.timeout(60_000);
  function runPy(spec: RewardSpec): { overall: number; accuracy: number; format: number; coordinate: number }[] {
    const dir = mkdtempSync(join(tmpdir(), 'deepmedix-reward-'));
    try {
      writeFileSync(join(dir, 'deepmedix_reward.py'), easyR1RewardModule(spec));
      const input = CASES.map((c) => JSON.stringify({ response: c.response, ground_truth: c.truth })).join('\n') + '\n';
      const out = execFileSync(PY, [join(dir, 'deepmedix_reward.py')], { input, encoding: 'utf8', env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
      return out.trim().split('\n').map((l) => JSON.parse(l));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  function compare(spec: RewardSpec) {
    const py = runPy(spec);
    assert.equal(py.length, CASES.length);
    CASES.forEach((c, i) => {
      const ts = computeReward(c.response, c.truth, spec);
      for (const [k, v] of [['overall', ts.total], ['accuracy', ts.answer], ['format', ts.format], ['coordinate', ts.coordinate]] as const)
        assert.ok(Math.abs(py[i][k] - v) < 1e-9, `case ${i} ${k}: python ${py[i][k]} vs ts ${v}`);
    });
    return py;
  }
  it('default spec (code cap, character BLEU): every component equal on every case; case 0 hand-worked', () => {
    const py = compare(DEFAULT_REWARD_SPEC);
    // 0.9·1.5 (exact, case-insensitive) + 0.1·1 (format) + (0.05 − 0.2) (one box in bound, one out)
    assert.ok(Math.abs(py[0].overall - 1.3) < 1e-12);
    // four boxes: 0.2 capped at 0.15; wrong answer; well formatted
    assert.ok(Math.abs(py[1].overall - 0.25) < 1e-12);
  });
  it("answers EasyR1's batch call (a list of reward inputs) and its sequential call (one dict) alike", () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepmedix-reward-'));
    try {
      writeFileSync(join(dir, 'deepmedix_reward.py'), easyR1RewardModule(DEFAULT_REWARD_SPEC));
      const x = JSON.stringify({ response: CASES[0].response, response_length: 20, ground_truth: CASES[0].truth });
      const code = `import json, deepmedix_reward as m\nx = json.loads(r'''${x}''')\nprint(json.dumps([m.REWARD_TYPE, m.compute_score([x, x]), m.compute_score(x)]))`;
      const [type, batch, one] = JSON.parse(execFileSync(PY, ['-c', code], { cwd: dir, encoding: 'utf8' }));
      assert.equal(type, 'batch');
      assert.equal(batch.length, 2);
      assert.deepEqual(batch[0], one);
      assert.ok(Math.abs(one.overall - computeReward(CASES[0].response, CASES[0].truth, DEFAULT_REWARD_SPEC).total) < 1e-9);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('floor variant, word BLEU, no format term: equal too', () => {
    compare({ ...DEFAULT_REWARD_SPEC, coordinate: 'floor', text: 'word', format: false });
    compare({ ...DEFAULT_REWARD_SPEC, coordinate: 'off', lambda: 0.3, bound: 256 });
  });
});

describe('export: paper-scale bundle', () => {
  it('writes the three stages, configs, reward and a manifest from JSONL inputs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deepmedix-export-'));
    try {
      const w = (name: string, rows: InstructionRecord[]) => {
        writeFileSync(join(dir, name), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
        return join(dir, name);
      };
      const cfg = resolveConfig('smoke');
      mkdirSync(join(dir, 'cohort', 'images'), { recursive: true });
      writeFileSync(join(dir, 'cohort', 'images', 's1.png'), '');
      const m = exportPaperScale(cfg, {
        instructions: w('ins.jsonl', [rec('i1', 'Describe the findings.', 'Normal heart size.'), rec('i2', 'Is there a pneumothorax?', 'no')]),
        coldstart: w('cs.jsonl', [rec('c1', 'Is there a pneumothorax?', '<think>apex [10, 10, 60, 80] clear</think>\\boxed{no}')]),
        rl: w('rl.jsonl', [rec('r1', 'Is there an effusion?', 'yes'), rec('r2', 'Which side?', 'left'), rec('r3', 'Size?', 'small')]),
        imageRoot: join(dir, 'cohort'),
        outDir: join(dir, 'out'),
        absoluteImages: true,
      });
      assert.deepEqual(m.counts, { stage1: 2, coldstart: 1, rl: 3 });
      const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'));
      assert.ok(manifest.files.includes('easyr1/deepmedix_reward.py'));
      assert.ok(manifest.files.includes('llamafactory/dataset_info.json'));
      const info = JSON.parse(readFileSync(join(dir, 'out', 'llamafactory', 'dataset_info.json'), 'utf8'));
      assert.deepEqual(Object.keys(info), ['deepmedix_stage1', 'deepmedix_coldstart']);
      const cs = JSON.parse(readFileSync(join(dir, 'out', 'llamafactory', 'deepmedix_coldstart.json'), 'utf8'));
      assert.equal(cs[0].messages[0].content, '<image>Is there a pneumothorax?', 'cold-start prompts are written as the synthesis stage made them');
      assert.equal(cs[0].images[0], join(dir, 'cohort', 'images/s1.png'));
      const rl = readFileSync(join(dir, 'out', 'easyr1', 'deepmedix_rl_train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(rl[1], { prompt: `<image>Which side?\n${formatInstructionFor(cfg)}`, answer: 'left', images: [join(dir, 'cohort', 'images/s1.png')], id: 'r2' });
      assert.match(rl[1].prompt, /<think>/);
      const spec = JSON.parse(readFileSync(join(dir, 'out', 'easyr1', 'reward_spec.json'), 'utf8'));
      assert.equal(spec.lambda, cfg.reward.lambda);
      assert.equal(spec.coordinate, cfg.reward.coordinate);
      assert.throws(() => exportPaperScale(cfg, { imageRoot: dir, outDir: join(dir, 'o2') }), /nothing to export/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
