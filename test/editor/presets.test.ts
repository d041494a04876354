import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSamplerOptions } from '../../src/core/options';
import { findPreset, PRESETS, PRESET_SETTINGS, samplesFor } from '../../src/core/presets';

test('every preset gives valid options at every size, and quality costs steps', () => {
  assert.deepEqual(PRESET_SETTINGS, ['fast', 'balanced', 'best', 'custom']);
  for (const n of [1, 8, 40, 300, 5000]) {
    const steps = PRESETS.map((p) => validateSamplerOptions(p.sampler(n)).steps);
    assert.ok(steps[0] <= steps[1] && steps[1] < steps[2], `steps at ${n}: ${steps}`);
  }
});

test('best is remdm-loop with more steps than tokens; fast does not remask', () => {
  const best = findPreset('best')!;
  for (const n of [8, 40, 200]) {
    const o = best.sampler(n);
    assert.equal(o.strategy, 'remdm-loop');
    assert.ok(o.steps > n, `${o.steps} steps for ${n} tokens`);
  }
  assert.equal(findPreset('fast')!.sampler(40).strategy, 'mdlm');
  assert.equal(findPreset('custom'), undefined);
});

test('deterministic decoders draw one sample', () => {
  assert.equal(samplesFor({ strategy: 'confidence-threshold', steps: 8 }, 3), 1);
  assert.equal(samplesFor({ strategy: 'remdm-cap', steps: 8 }, 3), 3);
  assert.equal(samplesFor({ strategy: 'mdlm', steps: 8 }, 0), 1);
});
