/**
 * The exported files against the config code of today's EasyR1 and LLaMA-Factory (the key lists in
 * test/fixtures/export/upstream-config-keys.json, made from the commits named there by
 * make_upstream_keys.py): every key the EasyR1 YAML sets is a key of EasyR1's structured config
 * (which refuses unknown keys — `worker.reward.reward_type` was one) with a value of its type; every
 * key of the LLaMA-Factory YAMLs is an argument it parses; dataset_info.json uses DatasetAttr's keys;
 * and the reward module declares its type the way EasyR1 reads it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolveConfig } from '../../src/config.js';
import { easyR1ConfigYaml } from '../../src/export/easyr1.js';
import { datasetInfoEntry, llamaFactoryTrainYaml } from '../../src/export/llamafactory.js';
import { easyR1RewardModule } from '../../src/export/reward-py.js';
import { DEFAULT_REWARD_SPEC } from '../../src/rewards/compose.js';

// js-yaml comes with mocha (it reads .mocharc.yml); it is YAML 1.2 as OmegaConf and PyYAML read these files.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

interface Upstream {
  easyr1: { commit: string; keys: Record<string, string> };
  llamafactory: { commit: string; keys: Record<string, string>; datasetAttr: string[]; transformers: { keys: Record<string, string>; deprecated: Record<string, string> } };
}
const UP = JSON.parse(readFileSync(new URL('../fixtures/export/upstream-config-keys.json', import.meta.url), 'utf8')) as Upstream;

/** Dotted leaf keys of a parsed YAML mapping (a mapping-typed field such as val_override_config counts as a leaf when the type says dict). */
function leaves(obj: unknown, types: Record<string, string>, prefix = ''): [string, unknown][] {
  return Object.entries(obj as Record<string, unknown>).flatMap(([k, v]) => {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && !/^dict|^Dict/.test(types[key] ?? '')) return leaves(v, types, key);
    return [[key, v] as [string, unknown]];
  });
}

/** Whether a YAML value fits a Python annotation as OmegaConf converts it (int to float allowed). */
function fits(value: unknown, ann: string): boolean {
  const optional = /^Optional\[|\| None|None \|/.test(ann);
  if (value === null) return optional;
  const base = ann.replace(/^Optional\[(.*)\]$/, '$1');
  if (/^(float)/.test(base)) return typeof value === 'number';
  if (/^int/.test(base)) return Number.isInteger(value);
  if (/^bool/.test(base)) return typeof value === 'boolean';
  if (/^str/.test(base)) return typeof value === 'string';
  if (/^(Tuple|tuple|list|List)/.test(base)) return Array.isArray(value);
  return true;
}

describe(`export: files today's EasyR1 (${UP.easyr1.commit.slice(0, 7)}) and LLaMA-Factory (${UP.llamafactory.commit.slice(0, 7)}) accept`, () => {
  const opts = { trainFile: 't.jsonl', valFile: 'v.jsonl', imageDir: '/img', formatPrompt: null, rewardFile: './deepmedix_reward.py', model: 'saves/deepmedix', experiment: 'e' };

  it('every key of the EasyR1 YAML is a key of its structured config, with a value of its type', () => {
    for (const cfg of [resolveConfig('paper'), resolveConfig('smoke', { 'grpo.beta': '0', 'grpo.freezeVision': 'true' })]) {
      const parsed = yaml.load(easyR1ConfigYaml(cfg, opts));
      const keys = leaves(parsed, UP.easyr1.keys);
      assert.ok(keys.length > 20);
      const unknown = keys.filter(([k]) => !(k in UP.easyr1.keys)).map(([k]) => k);
      assert.deepEqual(unknown, [], `keys EasyR1 ${UP.easyr1.commit.slice(0, 7)} refuses`);
      for (const [k, v] of keys) assert.ok(fits(v, UP.easyr1.keys[k]), `${k}: ${JSON.stringify(v)} is not a ${UP.easyr1.keys[k]}`);
    }
  });

  it('the check would have caught the removed worker.reward.reward_type', () => {
    const old = easyR1ConfigYaml(resolveConfig('paper'), opts).replace('  reward:\n', '  reward:\n    reward_type: batch\n');
    assert.deepEqual(leaves(yaml.load(old), UP.easyr1.keys).filter(([k]) => !(k in UP.easyr1.keys)).map(([k]) => k), ['worker.reward.reward_type']);
  });

  it('the GRPO settings land where EasyR1 reads them (beta 0 disables the KL term and its reference)', () => {
    const cfg = resolveConfig('paper', { 'grpo.beta': '0' });
    const y = Object.fromEntries(leaves(yaml.load(easyR1ConfigYaml(cfg, opts)), UP.easyr1.keys));
    assert.equal(y['worker.rollout.n'], cfg.grpo.groupSize);
    assert.equal(y['worker.actor.clip_ratio_high'], cfg.grpo.clipHigh);
    assert.equal((y['data.rollout_batch_size'] as number) / (y['worker.actor.global_batch_size'] as number), cfg.grpo.miniBatches, 'optimizer steps per rollout batch');
    assert.equal(y['algorithm.disable_kl'], true);
    assert.equal(y['algorithm.use_kl_loss'], false);
    assert.equal(y['worker.reward.reward_function'], './deepmedix_reward.py:compute_score');
  });

  it('the reward module declares REWARD_TYPE batch and a compute_score that takes EasyR1 reward inputs', () => {
    const py = easyR1RewardModule(DEFAULT_REWARD_SPEC);
    assert.match(py, /^REWARD_TYPE = "batch"$/m);
    assert.match(py, /^REWARD_NAME = "deepmedix_r1"$/m);
    assert.match(py, /^def compute_score\(reward_inputs/m);
    assert.doesNotMatch(py, /reward_type=/, 'no advice to set the removed config key');
  });

  it('every key of the LLaMA-Factory YAMLs is an argument it parses; dataset_info uses DatasetAttr keys', () => {
    const known = { ...UP.llamafactory.keys, ...UP.llamafactory.transformers.keys, ...UP.llamafactory.transformers.deprecated };
    for (const deepspeed of [undefined, 'ds_z3_config.json']) {
      const parsed = yaml.load(llamaFactoryTrainYaml({ model: 'Qwen/Qwen2.5-VL-7B-Instruct', dataset: 'deepmedix_stage1', outputDir: 'saves/x', epochs: 1, learningRate: 1e-5, deepspeed }) + 'media_dir: /img\n') as Record<string, unknown>;
      const unknown = Object.keys(parsed).filter((k) => !(k in known));
      assert.deepEqual(unknown, [], `keys LLaMA-Factory ${UP.llamafactory.commit.slice(0, 7)} refuses`);
      for (const [k, v] of Object.entries(parsed)) if (k in UP.llamafactory.keys) assert.ok(fits(v, UP.llamafactory.keys[k]), `${k}: ${JSON.stringify(v)} is not a ${UP.llamafactory.keys[k]}`);
    }
    const entry = datasetInfoEntry('deepmedix_stage1.json', true);
    const flat = [...Object.keys(entry).filter((k) => k !== 'columns' && k !== 'tags' && k !== 'file_name'), ...Object.keys(entry.columns), ...Object.keys(entry.tags)];
    assert.deepEqual(flat.filter((k) => !UP.llamafactory.datasetAttr.includes(k)), []);
    assert.equal(entry.formatting, 'sharegpt');
  });
});
