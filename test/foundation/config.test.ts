import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boxGrammarOf, ConfigError, DEFAULTS, PROFILE_OVERRIDES, resolveConfig, writeResolvedConfig, allKeys } from '../../src/config.js';
import { parseOverrideFlags } from '../../src/commands/args.js';

describe('config', () => {
  it('resolves the default profile to the defaults', () => {
    const c = resolveConfig('default');
    assert.deepEqual(c, { ...DEFAULTS, profile: 'default' });
  });

  it('lays a profile over the defaults, leaving other keys alone', () => {
    const c = resolveConfig('smoke');
    assert.equal(c.profile, 'smoke');
    const set = new Set(allKeys(PROFILE_OVERRIDES.smoke));
    const get = (obj: unknown, key: string) => key.split('.').reduce((o, k) => (o as Record<string, unknown>)[k], obj);
    for (const key of allKeys(DEFAULTS)) {
      if (key === 'profile') continue;
      assert.equal(get(c, key), set.has(key) ? get(PROFILE_OVERRIDES.smoke, key) : get(DEFAULTS, key), key);
    }
    assert.ok(set.size > 5, 'smoke changes several keys');
  });

  it('applies dotted overrides with type coercion after the profile', () => {
    const c = resolveConfig('smoke', { 'sft.lr': '3e-4', 'reward.format': 'false', 'reward.coordinate': 'floor' });
    assert.equal(c.sft.lr, 3e-4);
    assert.equal(c.reward.format, false);
    assert.equal(c.reward.coordinate, 'floor');
    assert.equal(c.model.dModel, 32);
  });

  it('accepts nested overrides', () => {
    const c = resolveConfig('default', { grpo: { groupSize: 5 } });
    assert.equal(c.grpo.groupSize, 5);
  });

  it('rejects an unknown key, naming it', () => {
    assert.throws(() => resolveConfig('default', { 'sft.learningRate': '1' }), (e: Error) => e instanceof ConfigError && /unknown config key 'sft\.learningRate'/.test(e.message));
    assert.throws(() => resolveConfig('default', { 'nosuch.lr': '1' }), /unknown config key 'nosuch\.lr'/);
  });

  it('rejects a wrong type, naming key and value', () => {
    assert.throws(() => resolveConfig('default', { 'sft.lr': 'fast' }), /'sft\.lr' expects a number, got "fast"/);
    assert.throws(() => resolveConfig('default', { 'reward.format': 'maybe' }), /'reward\.format' expects true or false/);
    assert.throws(() => resolveConfig('default', { 'reward.coordinate': 'ceiling' }), /must be one of cap, floor, off/);
    assert.throws(() => resolveConfig('default', { sft: '3' }), /is a section/);
  });

  it('rejects an unknown profile', () => {
    assert.throws(() => resolveConfig('huge'), /unknown profile 'huge'; choose one of smoke, default, paper/);
  });

  it('parses --a.b=v and --a.b v flags, leaving other args', () => {
    const { overrides, rest } = parseOverrideFlags(['run', '--sft.lr=3e-4', '--grpo.beta', '0', '--profile', 'smoke', '--out=x']);
    assert.deepEqual(overrides, { 'sft.lr': '3e-4', 'grpo.beta': '0' });
    assert.deepEqual(rest, ['run', '--profile', 'smoke', '--out=x']);
    assert.throws(() => parseOverrideFlags(['--sft.lr']), /needs a value/);
  });

  it('every profile resolves and sets only known keys', () => {
    for (const p of ['smoke', 'default', 'paper']) assert.deepEqual(allKeys(resolveConfig(p)), allKeys(DEFAULTS));
  });

  it('writes the resolved config beside the outputs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmx-config-'));
    const c = resolveConfig('smoke', { 'grpo.groupSize': '6' });
    const path = writeResolvedConfig(c, dir);
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), c);
  });
});

describe('boxGrammarOf', () => {
  it("reads a checkpoint config's decoding choice; a config from before the option gets the default", () => {
    assert.equal(boxGrammarOf(resolveConfig('smoke', { 'model.boxGrammar': 'false' })), false);
    assert.equal(boxGrammarOf(resolveConfig('smoke')), true);
    assert.equal(boxGrammarOf({ model: { dModel: 32 } }), DEFAULTS.model.boxGrammar);
    assert.equal(boxGrammarOf(null), DEFAULTS.model.boxGrammar);
  });
});
