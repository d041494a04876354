// The built CLI (dist/cli.js) run as a user would, on the embedded model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cliScript, embeddedModel } from '../worker/fixtures';

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [cliScript, ...args], { input, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const fast = ['--steps', '8', '--provider', 'cpu', '--threads', '1'];

test('--json prints one object with the model, sampler, samples, holes and timings', () => {
  const r = cli([...fast, '--json', '--seed', '3', '--samples', '2', 'def add(a, b):\n    return [MASK:6]\n']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 1);
  const out = JSON.parse(r.stdout);
  assert.equal(out.model, 'mdlm-code-small');
  assert.equal(out.sampler, 'remdm-cap'); // the Balanced preset, as in the editor
  assert.equal(out.samplerOptions.topP, 0.9);
  assert.equal(out.samplerOptions.steps, 8);
  assert.equal(out.seed, 3);
  assert.ok(out.steps >= 8);
  assert.equal(out.samples.length, 2);
  for (const s of out.samples) {
    assert.equal(s.holes.length, 1);
    assert.equal(s.text, `def add(a, b):\n    return ${s.holes[0]}\n`);
  }
  // Best fit first; `row` says which was drawn where (the frames show row 0).
  assert.ok(out.samples[0].fit >= out.samples[1].fit, JSON.stringify(out.samples));
  assert.deepEqual(out.samples.map((s: { row: number }) => s.row).sort(), [0, 1]);
  const plain = cli([...fast, '--seed', '3', '--samples', '2', 'def add(a, b):\n    return [MASK:6]\n']);
  assert.equal(plain.stdout, out.samples.map((s: { text: string }, i: number) => `--- sample ${i + 1} ---\n${s.text}`).join(''));
  assert.ok(out.forwardCalls >= 1);
  for (const key of ['loadMs', 'forwardMs', 'samplerMs', 'messagingMs', 'totalMs', 'firstFrameMs', 'wallMs']) {
    assert.equal(typeof out.timings[key], 'number', key);
  }
  assert.equal(out.frames, undefined);
});

test('same seed, same output; --trace adds every frame', () => {
  const args = [...fast, '--json', '--seed', '11', 'x = [MASK:8]'];
  const a = JSON.parse(cli(args).stdout);
  const b = JSON.parse(cli([...args, '--trace']).stdout);
  assert.deepEqual(b.samples, a.samples);
  assert.equal(b.frames.length, b.steps);
  const last = b.frames.at(-1);
  assert.equal(last.holes[0].map((v: { text: string }) => v.text).join(''), b.samples[0].holes[0]);
});

test('plain output is the filled text; text can come from stdin; --model picks the folder', () => {
  const r = cli([...fast, '--seed', '1', '--model', embeddedModel], 'print([MASK:4])\n');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^print\(.*\)\n$/s);
  assert.equal(r.stderr, '');
});

test('placeholder grammar: \\[MASK stays literal without its backslash; [MASK] and [MASK:..n] are sized by the length search within their bound', () => {
  const r = cli([...fast, '--json', '--seed', '2', '--max-tokens', '5', 'a = "\\[MASK]"\nb = [MASK]\nc = [MASK:..3]\n']);
  assert.equal(r.code, 0, r.stderr);
  const sample = JSON.parse(r.stdout).samples[0];
  assert.equal(sample.text, `a = "[MASK]"\nb = ${sample.holes[0]}\nc = ${sample.holes[1]}\n`);
  assert.equal(sample.holes.length, 2);
  const lengths = JSON.parse(r.stdout).lengths;
  assert.deepEqual(lengths.map((l: { hole: number }) => l.hole), [0, 1]);
  assert.ok(lengths[0].chosen <= 5 && lengths[1].chosen <= 3, JSON.stringify(lengths));
});

test('bad input: one line on stderr and a non-zero exit', () => {
  const cases: [string[], RegExp, number][] = [
    [['--bogus', 'x [MASK]'], /^diffusion-infill: --bogus: unknown option/, 2],
    [['--steps', 'many', 'x [MASK]'], /--steps: expected an integer/, 2],
    [['no holes at all'], /^diffusion-infill: TEXT: no holes/, 2],
    [['--model', '/nonexistent/model', 'x [MASK]'], /Model folder not found: \/nonexistent\/model/, 1],
    [['--sampler', 'magic', 'x [MASK]'], /^diffusion-infill: --sampler: unknown strategy 'magic'/, 2],
    [['x = [MASK:9999]'], /Hole too long/, 1],
    [['a = [MASK:2]\nb = [MASK:abc]'], /placeholder \[MASK:abc\] at 2:5: /, 2],
    [['[MASK:-1] [MASK:2]'], /placeholder \[MASK:-1\] at 1:1: /, 2],
    [['[MASK:2] [MASK:1e3]'], /placeholder \[MASK:1e3\] at 1:10: /, 2],
    [['[MASK:0]'], /placeholder \[MASK:0\] at 1:1: /, 2],
    [['[MASK:..0]'], /placeholder \[MASK:\.\.0\] at 1:1: /, 2],
    [['x = [MASK:12'], /placeholder \[MASK:12 at 1:5: it is not closed/, 2],
    [['--max-tokens', '0', 'x [MASK]'], /--max-tokens: must be >= 1/, 2],
    // One bound for steps in every client, and flags named as typed (not the options' field names).
    [['--steps', '1000000000', 'x [MASK]'], /^diffusion-infill: --steps: must be an integer in \[1, 1024\], got 1000000000$/m, 2],
    [['--top-p', '2', 'x [MASK]'], /^diffusion-infill: --top-p: must be in \(0, 1\], got 2$/m, 2],
    [['--seed', '1e300', 'x [MASK]'], /^diffusion-infill: --seed: must be a whole number/, 2],
    [['--samples', '65', 'x [MASK]'], /^diffusion-infill: --samples: must be from 1 to 64/, 2],
  ];
  for (const [args, message, code] of cases) {
    const r = cli(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^diffusion-infill: /);
    assert.match(r.stderr, message);
  }
});

test('--help prints the usage', () => {
  const r = cli(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: diffusion-infill/);
  assert.match(r.stdout, /--samples K/);
});
