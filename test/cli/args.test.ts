import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError } from '../../src/cli/args';

test('flags map onto sampler options and run settings', () => {
  const o = parseArgs([
    '--model', 'm', '--preset', 'best', '--sampler', 'remdm-cap', '--steps', '32', '--eta', '0.1', '--t-on', '0.6', '--t-off=0.1',
    '--alpha-on', '0.8', '--top-p', '0.9', '--top-k', '40', '--temperature', '0.7', '--seed', '7', '--samples', '3',
    '--max-tokens', '9', '--hole-length', 'bound', '--provider', 'cpu', '--threads', '2', '--quantized', '--context-bias', '1.5', '--json', '--trace', '--instruction', 'be brief', 'x = [MASK]',
  ]);
  assert.deepEqual(o, {
    help: false,
    modelDir: 'm',
    preset: 'best',
    sampler: { strategy: 'remdm-cap', steps: 32, eta: 0.1, tOn: 0.6, tOff: 0.1, alphaOn: 0.8, topP: 0.9, topK: 40, temperature: 0.7 },
    seed: 7,
    samples: 3,
    maxTokens: 9,
    holeLength: 'bound',
    provider: 'cpu',
    threads: 2,
    quantized: true,
    contextBias: 1.5,
    json: true,
    trace: true,
    text: 'x = [MASK]',
    instruction: 'be brief',
  });
});

test('defaults: one sample, auto provider, text from stdin', () => {
  const o = parseArgs([]);
  assert.equal(o.samples, 1);
  assert.equal(o.provider, 'auto');
  assert.equal(o.holeLength, 'search');
  assert.equal(o.text, undefined);
  assert.deepEqual(o.sampler, {});
  assert.equal(o.preset, 'balanced'); // the editor's default preset
  assert.equal(o.contextBias, undefined); // the model folder's own
  assert.equal(parseArgs(['--help']).help, true);
});

test('bad input is a UsageError that names the flag', () => {
  const cases: [string[], RegExp][] = [
    [['--bogus'], /^--bogus: unknown option/],
    [['--steps', 'ten'], /--steps: expected an integer, got 'ten'/],
    [['--steps', '1.5'], /--steps: expected an integer/],
    [['--eta'], /^--eta: needs a value/],
    [['--top-p', 'NaN'], /--top-p: expected a number/],
    [['--samples', '0'], /^--samples: must be from 1 to 64, got 0/],
    [['--provider', 'tpu'], /--provider: expected one of auto, cpu, cuda, dml, coreml/],
    [['--preset', 'turbo'], /--preset: expected one of fast, balanced, best, got 'turbo'/],
    [['a', 'b'], /^TEXT: expected one argument, got 2/],
    [['--trace', 'x'], /^--trace: needs --json/],
    [['--samples', '65'], /^--samples: must be from 1 to 64, got 65/],
    [['--seed', '1e300'], /^--seed: must be a whole number below 2\^53/],
    [['--hole-length', 'exact'], /--hole-length: expected search or bound, got 'exact'/],
    [['--instruction', '  '], /^--instruction: needs the text of the instruction/],
    [['--instruction'], /^--instruction: needs the text of the instruction/],
    [['--context-bias', '-1'], /^--context-bias: must be a number from 0 to 20, got -1/],
    [['--context-bias', 'high'], /^--context-bias: expected a number, got 'high'/],
  ];
  for (const [argv, message] of cases) assert.throws(() => parseArgs(argv), (err: unknown) => err instanceof UsageError && message.test(err.message));
});

test('a few hundred thousand words after -- get the one-line usage error, not a stack overflow (no spread of argv)', () => {
  const words = new Array<string>(300_000).fill('a');
  assert.throws(() => parseArgs(['--', ...words]), (e: Error) => e instanceof UsageError && /TEXT: expected one argument, got 300000/.test(e.message));
});
