/**
 * Candidates: the K samples of one batched run, as the user cycles through them. Pure: no `vscode`.
 */
import { bestFirst, type SampleTexts } from '../protocol/protocol';

/** One candidate: the text of each hole, in document order. */
export type Candidate = string[];

/** The distinct candidates, best fit first (identical samples are shown once). */
export function uniqueCandidates(samples: readonly SampleTexts[]): Candidate[] {
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const s of bestFirst(samples)) {
    const key = JSON.stringify(s.holes);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([...s.holes]);
  }
  return out;
}

/** The index `delta` steps from `current`, wrapping around. */
export function cycleIndex(current: number, count: number, delta: number): number {
  if (count <= 0) return 0;
  return (((current + delta) % count) + count) % count;
}

/** "2/3" for the status bar; empty when there is only one candidate. */
export function candidateLabel(shown: number, count: number): string {
  return count > 1 ? `${shown + 1}/${count}` : '';
}
