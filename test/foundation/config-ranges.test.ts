/** Every numeric config key has a range, checked when the config is resolved (before any work). */
import assert from 'node:assert/strict';
import { allKeys, ConfigError, DEFAULTS, PROFILES, RANGES, resolveConfig } from '../../src/config.js';
import { describeRange, inRange } from '../../src/util/ranges.js';

const get = (obj: unknown, key: string): unknown => key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], obj);
const numericKeys = allKeys(DEFAULTS).filter((k) => typeof get(DEFAULTS, k) === 'number');

describe('config ranges', () => {
  it('every numeric key of DEFAULTS has a range, and every range names a numeric key', () => {
    assert.ok(numericKeys.length > 60, `found ${numericKeys.length} numeric keys`);
    assert.deepEqual(numericKeys.filter((k) => !RANGES[k]), [], 'numeric keys without a range');
    assert.deepEqual(Object.keys(RANGES).filter((k) => !numericKeys.includes(k)), [], 'ranges for keys that are not numeric keys');
  });

  it('each profile resolves, with every value inside its range', () => {
    for (const p of PROFILES) {
      const c = resolveConfig(p);
      for (const k of numericKeys) assert.ok(inRange(get(c, k) as number, RANGES[k]), `${p}: ${k} = ${get(c, k)} is outside ${describeRange(RANGES[k])}`);
    }
  });

  it('rejects the values the probes found, naming the key and its range', () => {
    const cases: [string, string, RegExp][] = [
      ['sft.lr', '-1', /'sft\.lr' must be a number in \(0, 1\]; got -1/],
      ['reward.lambda', '7', /'reward\.lambda' must be a number in \[0, 1\]; got 7/],
      ['grpo.groupSize', '1', /'grpo\.groupSize' must be a whole number in 2\.\.4096; got 1/],
      ['sft.batchSize', '0', /'sft\.batchSize' must be a whole number in 1\.\./],
      ['grpo.clipLow', '1', /'grpo\.clipLow' must be a number in \[0, 1\)/],
    ];
    for (const [key, value, re] of cases) assert.throws(() => resolveConfig('smoke', { [key]: value }), (e: Error) => e instanceof ConfigError && re.test(e.message), `${key}=${value}`);
  });

  it('integer keys refuse fractions and every key refuses a value past its bounds', () => {
    for (const k of numericKeys) {
      const r = RANGES[k];
      if (r.integer) assert.throws(() => resolveConfig('default', { [k]: String(r.min + 0.5) }), new RegExp(`'${k.replace('.', '\\.')}' must be a whole number`), k);
      const below = r.minOpen ? r.min : r.min - 1;
      assert.throws(() => resolveConfig('default', { [k]: String(below) }), new RegExp(`'${k.replace('.', '\\.')}' must be`), `${k}=${below}`);
      if (r.max < Number.MAX_SAFE_INTEGER) assert.throws(() => resolveConfig('default', { [k]: String(r.max * 2 + 1) }), new RegExp(`'${k.replace('.', '\\.')}' must be`), `${k} above max`);
    }
  });

  it('checks keys that constrain each other', () => {
    assert.throws(() => resolveConfig('smoke', { 'model.nHeads': '3' }), /'model\.dModel' \(32\) must be a multiple of 'model\.nHeads' \(3\)/);
    assert.throws(() => resolveConfig('smoke', { 'model.patchSize': '7' }), /'model\.imageSize' \(32\) must be a multiple of 'model\.patchSize' \(7\)/);
    assert.throws(() => resolveConfig('smoke', { 'synthesis.minChars': '5000' }), /'synthesis\.minChars' \(5000\) must not exceed/);
    assert.throws(() => resolveConfig('smoke', { 'grpo.miniBatches': '3' }), /'grpo\.miniBatches' \(3\) must not exceed 'grpo\.batchPrompts' \(2\)/);
  });
});
