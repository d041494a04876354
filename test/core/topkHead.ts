/**
 * Test helper: the top-k head's outputs computed in JavaScript from full rows, the way the graph
 * computes them (src/convert/topKHead.ts): whole-character tokens ranked by logit (ties: lower id
 * first), the rest of their mass at the temperature in float32, the partial tokens gathered.
 */
import type { DrawRules, TopKRows } from '../../src/core';

export function topKRowsOf(full: Float32Array, rows: number, vocab: number, k: number, temperature: number, rules: DrawRules): TopKRows {
  const { wholeBias, partialIds, wholeProbe } = rules.classes();
  const values = new Float32Array(rows * k).fill(-Infinity);
  const ids = new Int32Array(rows * k);
  const tailLogMass = new Float32Array(rows);
  const partial = new Float32Array(rows * partialIds.length);
  for (let r = 0; r < rows; r++) {
    const row = full.subarray(r * vocab, (r + 1) * vocab);
    const whole = [...row.keys()].filter((id) => wholeBias[id] === 0 && row[id] > -Infinity);
    whole.sort((a, b) => row[b] - row[a] || a - b);
    const top = whole.slice(0, k);
    top.forEach((id, j) => {
      values[r * k + j] = row[id];
      ids[r * k + j] = id;
    });
    const rest = whole.slice(k).map((id) => row[id] / temperature);
    const m = Math.max(...rest);
    tailLogMass[r] = rest.length === 0 ? -Infinity : m + Math.log(rest.reduce((s, z) => s + Math.exp(z - m), 0));
    partialIds.forEach((id, j) => (partial[r * partialIds.length + j] = row[id]));
  }
  return { kind: 'topk', rows, k, values, ids, tailLogMass, temperature, partial, partialIds, wholeProbe };
}
