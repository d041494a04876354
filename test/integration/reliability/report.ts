// Figures from the reliability tests: printed in the suite's output and written as JSON under
// test-output/reliability/ (the numbers in test/RELIABILITY.md come from these files).
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root, from out/test/integration/reliability/. */
export const REPO_ROOT = path.resolve(__dirname, '../../../..');

export function writeFigures(name: string, figures: Record<string, unknown>): void {
  const dir = path.join(REPO_ROOT, 'test-output', 'reliability');
  fs.mkdirSync(dir, { recursive: true });
  const body = { test: name, at: new Date().toISOString(), ...figures };
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(body, null, 2));
  say(`      figures ${name}: ${JSON.stringify(figures)}`);
}

/** A line in the suite's output (the runner prints only lines with the reporter's marker). */
export function say(text: string): void {
  for (const line of text.split('\n')) console.log(`[suite] ${line}`);
}

export function envInt(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}
