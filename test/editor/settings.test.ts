// One owner for each setting's facts: package.json declares the settings; the lists and defaults
// the code keeps for the same facts must agree with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SAMPLER_OPTIONS, SCHEDULE_NAMES, STRATEGY_NAMES } from '../../src/core/options';
import { DEFAULT_PRESET, PRESET_SETTINGS, PRESETS } from '../../src/core/presets';
import { EXECUTION_PROVIDERS, MAX_CONTEXT_BIAS } from '../../src/protocol/protocol';

const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
const configuration = manifest.contributes.configuration;
const properties: Record<string, { default?: unknown; enum?: unknown[] }> = Object.assign(
  {},
  ...(Array.isArray(configuration) ? configuration : [configuration]).map((c: { properties: object }) => c.properties),
);
const setting = (key: string) => {
  const p = properties[`diffusionInfill.${key}`];
  assert.ok(p, `package.json declares diffusionInfill.${key}`);
  return p;
};

test("the sampler settings' defaults are the engine's defaults (the custom preset starts from them)", () => {
  const keys = Object.keys(properties).filter((k) => k.startsWith('diffusionInfill.sampler.'));
  assert.ok(keys.length >= 8, `found ${keys.length} sampler settings`);
  for (const key of keys) {
    const field = key.slice('diffusionInfill.sampler.'.length) as keyof typeof DEFAULT_SAMPLER_OPTIONS;
    assert.ok(field in DEFAULT_SAMPLER_OPTIONS, `${key} is a sampler option`);
    assert.equal(properties[key].default, DEFAULT_SAMPLER_OPTIONS[field], key);
  }
});

test('the enums in package.json are the lists the code checks against', () => {
  assert.deepEqual(setting('sampler.strategy').enum, [...STRATEGY_NAMES]);
  assert.deepEqual(setting('sampler.schedule').enum, [...SCHEDULE_NAMES]);
  assert.deepEqual(setting('executionProvider').enum, [...EXECUTION_PROVIDERS]);
  assert.deepEqual(setting('preset').enum, [...PRESET_SETTINGS]);
  assert.equal(setting('preset').default, DEFAULT_PRESET);
});

test("the context bias setting's range is the worker's, and its default leaves the model folder's own", () => {
  const bias = setting('contextBias') as { default: unknown; minimum: number; maximum: number };
  assert.deepEqual([bias.default, bias.minimum, bias.maximum], [null, 0, MAX_CONTEXT_BIAS]);
});

test("the preset setting's descriptions give the same time and quality as the picker's (presets.ts)", () => {
  const { enum: names, enumDescriptions } = setting('preset') as { enum: string[]; enumDescriptions: string[] };
  const figures = (text: string) => text.match(/\d+(\.\d+)? (s|ms)\b|\d+%/g) ?? [];
  for (const preset of PRESETS) {
    const described = enumDescriptions[names.indexOf(preset.name)];
    assert.ok(figures(preset.description).length >= 2, preset.description);
    assert.deepEqual(figures(described), figures(preset.description), preset.name);
  }
});
