import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SAMPLER_OPTIONS, DiffusionError, STRATEGY_NAMES, validateSamplerOptions, type SamplerOptions } from '../../src/core';

test('defaults: remdm-cap, 64 steps, loglinear, ReMDM paper settings', () => {
  assert.deepEqual(DEFAULT_SAMPLER_OPTIONS, {
    strategy: 'remdm-cap',
    steps: 64,
    schedule: 'loglinear',
    eta: 0.02,
    tOn: 0.55,
    tOff: 0.05,
    alphaOn: 0.9,
    temperature: 1,
    topP: 1,
    topK: 0,
    threshold: 0.9,
    blockLength: 0,
  });
  assert.equal(STRATEGY_NAMES.length, 10);
  const filled = validateSamplerOptions({ strategy: 'mdlm', steps: 10, eta: undefined });
  assert.equal(filled.eta, 0.02);
  assert.equal(filled.strategy, 'mdlm');
});

const bad: [string, Partial<SamplerOptions> | Record<string, unknown>, RegExp][] = [
  ['unknown strategy', { strategy: 'ddim' }, /unknown strategy 'ddim'/],
  ['eta above 1', { eta: 1.5 }, /eta must be in \[0, 1\]/],
  ['eta below 0', { eta: -0.1 }, /eta/],
  ['zero steps', { steps: 0 }, /steps must be an integer in \[1, 1024\]/],
  ['steps past the bound every client shares', { steps: 1_000_000_000 }, /steps must be an integer in \[1, 1024\], got 1000000000/],
  ['fractional steps', { steps: 2.5 }, /steps/],
  ['NaN steps', { steps: NaN }, /steps/],
  ['top-p 0', { topP: 0 }, /topP must be in \(0, 1\]/],
  ['top-p above 1', { topP: 1.01 }, /topP/],
  ['temperature 0', { temperature: 0 }, /temperature must be > 0/],
  ['negative temperature', { temperature: -1 }, /temperature/],
  ['negative top-k', { topK: -1 }, /topK must be an integer >= 0/],
  ['unknown schedule', { schedule: 'linear' }, /unknown schedule/],
  ['tOff after tOn', { tOn: 0.2, tOff: 0.3 }, /tOff < tOn/],
  ['alphaOn 1', { alphaOn: 1 }, /alphaOn/],
  ['threshold above 1', { threshold: 2 }, /threshold/],
  ['fractional block length', { blockLength: 1.5 }, /blockLength/],
  ['string eta', { eta: '0.1' }, /eta must be a finite number/],
];

for (const [name, patch, message] of bad) {
  test(`bad options: ${name}`, () => {
    const o = { strategy: 'remdm-cap', steps: 8, ...patch } as SamplerOptions;
    assert.throws(() => validateSamplerOptions(o), (e: unknown) => e instanceof DiffusionError && e.code === 'bad-options' && message.test(e.message));
  });
}
