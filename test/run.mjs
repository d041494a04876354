// `npm test`: every suite that can run on this machine, then one closing line CI reads.
//   1. unit and runtime tests (node's test runner): out/test/{core,worker,cli,training}
//   2. integration tests inside a real VS Code extension host (code-server + headless Chromium here,
//      @vscode/test-electron where VS Code can be downloaded), then the untrusted-workspace suite
//   3. a UI test driving the installed .vsix as a person would
// Set DI_SKIP_VSCODE=1 to run only (1).
import { spawn } from 'node:child_process';
import fs from 'node:fs';

const totals = { passed: 0, failed: 0 };

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
        console.log(`!! ${command} ${args.join(' ')} printed no result (exit ${code}): counted as 1 failure`);
        totals.failed += 1;
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
  return pass && fail ? { passed: Number(pass[1]), failed: Number(fail[1]) } : undefined;
};
const plainCounts = (label) => (output) => {
  const match = output.match(new RegExp(`^${label}: (\\d+) passed, (\\d+) failed`, 'm'));
  return match ? { passed: Number(match[1]), failed: Number(match[2]) } : undefined;
};

const unitDirs = ['core', 'worker', 'cli', 'editor', 'models', 'training'].map((d) => `out/test/${d}`).filter((d) => fs.existsSync(d));
await run(process.execPath, ['--test', '--test-reporter=tap', ...unitDirs], nodeTestCounts);

if (!process.env.DI_SKIP_VSCODE) {
  if (fs.existsSync('test/vscode/run-integration.mjs')) {
    await run(process.execPath, ['test/vscode/run-integration.mjs'], plainCounts('integration'));
    await run(process.execPath, ['test/vscode/run-integration.mjs', '--untrusted'], plainCounts('integration'));
  }
  for (const [script, label] of [['test/vscode/ui.mjs', 'ui'], ['test/vscode/ui-timeline.mjs', 'ui-timeline']]) {
    if (fs.existsSync(script)) await run(process.execPath, [script], plainCounts(label));
  }
}

console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 ? 0 : 1);
