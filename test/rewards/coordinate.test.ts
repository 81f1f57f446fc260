import assert from 'node:assert/strict';
import { coordinateReward, thinkBoxes } from '../../src/rewards/coordinate.js';

const close = (a: number, b: number, what = '') => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);
const box = '[10, 20, 100, 200]';
const think = (inner: string) => `<think>${inner}</think> The answer is \\boxed{yes}`;

describe('coordinate reward r_coo', () => {
  it('reads boxes only from the first think block, with the public code pattern', () => {
    assert.deepEqual(thinkBoxes(think(`a ${box} b [1.5,+2,.5,3]`)), [[10, 20, 100, 200], [1.5, 2, 0.5, 3]]);
    assert.deepEqual(thinkBoxes(`no think ${box}`), []);
    assert.deepEqual(thinkBoxes(`${think('none here')} ${box}`), []);
    assert.deepEqual(thinkBoxes(think('[ 1, 2, 3, 4 ] [1 , 2, 3, 4] [1, 2, 3]')), []); // spaces inside brackets / before commas, 3 numbers
    assert.deepEqual(thinkBoxes('<think>first [1, 2, 3, 4]</think><think>second [5, 6, 7, 8]</think>'), [[1, 2, 3, 4]]);
  });

  it("'cap' (public code): +0.05 per box, −0.2 per out-of-bound box, sum capped at 0.15", () => {
    assert.equal(coordinateReward(think('no boxes')).reward, 0);
    close(coordinateReward(think(box)).reward, 0.05);
    close(coordinateReward(think(`${box} ${box}`)).reward, 0.1);
    assert.equal(coordinateReward(think(`${box} ${box} ${box}`)).reward, 0.15);
    assert.equal(coordinateReward(think(`${box} ${box} ${box} ${box} ${box}`)).reward, 0.15);
    const mixed = coordinateReward(think(`${box} ${box} ${box} [0, 0, 513, 10]`));
    close(mixed.reward, -0.05);
    assert.equal(mixed.outOfBound, 1);
    close(coordinateReward(think('[0, 0, 512, 512]')).reward, 0.05); // the bound itself is allowed
    close(coordinateReward(think('[0, 0, 300, 300]'), { bound: 256 }).reward, -0.2);
  });

  it("'floor' (paper's printed formula): max(sum, 0.15), unbounded above", () => {
    assert.equal(coordinateReward(think('no boxes'), { variant: 'floor' }).reward, 0.15);
    assert.equal(coordinateReward(think(box), { variant: 'floor' }).reward, 0.15);
    close(coordinateReward(think(Array(10).fill(box).join(' ')), { variant: 'floor' }).reward, 0.5);
    assert.equal(coordinateReward(think('[0, 0, 999, 10]'), { variant: 'floor' }).reward, 0.15);
  });

  it("'off': 0 whatever the boxes", () => {
    assert.equal(coordinateReward(think(`${box} ${box}`), { variant: 'off' }).reward, 0);
  });
});
