// `npm test`: installs what the suites need (test/setup.mjs), builds, runs every suite, then prints
// one closing line CI reads. A suite that cannot run is never left out: it counts as failed, or as
// skipped with its reason in the closing line.
//   1. unit and runtime tests (node's test runner): out/test/{core,worker,cli,editor,host,models,training},
//      and test/package (every platform's .vsix, built when stale)
//   2. integration tests inside a real VS Code extension host (code-server + headless Chromium here,
//      @vscode/test-electron where VS Code can be downloaded), then the untrusted-workspace suite,
//      then the keybinding tests with the workbench running as macOS and as Windows
//   3. UI tests driving the installed .vsix as a person would (ui, ui-keys, ui-timeline)
// Set DI_SKIP_VSCODE=1 to run only (1); the VS Code suites are then reported as skipped.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { setUp } from './setup.mjs';

const totals = { passed: 0, failed: 0 };
/** reason -> number of tests skipped for it */
const skipped = new Map();
const skip = (reason, count = 1) => skipped.set(reason, (skipped.get(reason) ?? 0) + count);
const fail = (what, why) => {
  console.log(`!! ${what}: ${why}: counted as 1 failure`);
  totals.failed += 1;
};

function run(command, args, parse) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
    });
    child.on('close', (code) => {
      const counts = parse(output);
      if (!counts) {
        fail(`${command} ${args.join(' ')}`, `printed no result (exit ${code})`);
      } else {
        totals.passed += counts.passed;
        totals.failed += counts.failed + (code !== 0 && counts.failed === 0 ? 1 : 0);
      }
      resolve();
    });
  });
}

const nodeTestCounts = (output) => {
  const pass = output.match(/^# pass (\d+)$/m);
  const fail = output.match(/^# fail (\d+)$/m);
  for (const [, reason] of output.matchAll(/^\s*ok \d+ - .* # SKIP (.*)$/gm)) skip(reason);
  return pass && fail ? { passed: Number(pass[1]), failed: Number(fail[1]) } : undefined;
};
const plainCounts = (label) => (output) => {
  const match = output.match(new RegExp(`^${label}: (\\d+) passed, (\\d+) failed`, 'm'));
  return match ? { passed: Number(match[1]), failed: Number(match[2]) } : undefined;
};

const vscodeSuites = [
  ['test/vscode/run-integration.mjs', [], 'integration'],
  ['test/vscode/run-integration.mjs', ['--untrusted'], 'integration'],
  ['test/vscode/run-integration.mjs', ['--os', 'mac'], 'integration'],
  ['test/vscode/run-integration.mjs', ['--os', 'windows'], 'integration'],
  ['test/vscode/ui.mjs', [], 'ui'],
  ['test/vscode/ui-keys.mjs', [], 'ui-keys'],
  ['test/vscode/ui-timeline.mjs', [], 'ui-timeline'],
].filter(([script]) => fs.existsSync(script));

const problems = setUp({ vscode: !process.env.DI_SKIP_VSCODE });
if (problems.python) console.log(`[setup] the tests that need PyTorch and onnx will be skipped: ${problems.python}`);

const build = problems.npm ? undefined : spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' }).status === 0
  && spawnSync('npm', ['run', 'compile-tests', '--silent'], { stdio: 'inherit' }).status === 0;
if (!build) {
  fail('build', problems.npm ?? 'npm run build / compile-tests failed');
} else {
  const unitDirs = ['core', 'worker', 'cli', 'editor', 'host', 'models', 'convert', 'training'].map((d) => `out/test/${d}`).concat('test/package').filter((d) => fs.existsSync(d));
  await run(process.execPath, ['--test', '--test-reporter=tap', ...unitDirs], nodeTestCounts);
}

for (const [script, args, label] of vscodeSuites) {
  const what = `${label}${args.length ? ` ${args.join(' ')}` : ''}`;
  if (process.env.DI_SKIP_VSCODE) skip('DI_SKIP_VSCODE is set (VS Code suites)');
  else if (!build) fail(what, 'not run: the build failed');
  else if (problems.vscode) fail(what, `not run: ${problems.vscode}`);
  else await run(process.execPath, [script, ...args], plainCounts(label));
}

const skippedText = [...skipped].map(([reason, n]) => `${n} skipped: ${reason}`).join('; ');
console.log(`${skippedText ? `${skippedText}; ` : ''}${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 ? 0 : 1);
