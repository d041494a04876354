import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSamplerOptions } from '../../src/core/options';
import { findPreset, PRESETS, PRESET_SETTINGS, samplesFor } from '../../src/core/presets';

test('every preset gives valid options at every size; the sampled ones buy quality with steps', () => {
  assert.deepEqual(PRESET_SETTINGS, ['fast', 'balanced', 'best', 'custom']);
  for (const n of [1, 8, 40, 300, 5000]) {
    const steps = PRESETS.map((p) => validateSamplerOptions(p.sampler(n)).steps);
    assert.ok(steps[0] <= steps[1], `steps at ${n}: ${steps}`);
  }
});

test('best is the beam, one token a step; fast does not remask', () => {
  const best = findPreset('best')!;
  for (const n of [8, 40, 200]) assert.deepEqual(best.sampler(n), { strategy: 'beam', steps: n });
  assert.equal(samplesFor(best.sampler(8), 3), 3, 'each candidate is a beam');
  assert.equal(findPreset('fast')!.sampler(40).strategy, 'mdlm');
  assert.equal(findPreset('custom'), undefined);
});

test('deterministic decoders draw one sample, the beam one row a candidate', () => {
  assert.equal(samplesFor({ strategy: 'confidence-threshold', steps: 8 }, 3), 1);
  assert.equal(samplesFor({ strategy: 'beam', steps: 8 }, 3), 3);
  assert.equal(samplesFor({ strategy: 'remdm-cap', steps: 8 }, 3), 3);
  assert.equal(samplesFor({ strategy: 'mdlm', steps: 8 }, 0), 1);
});
