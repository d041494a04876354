/**
 * The few words drawn after a preview: where it stands and which keys act on it now. Pure: no
 * `vscode`.
 */

export interface HintState {
  phase: 'running' | 'ready';
  /** Step of the last frame and the run's total (running). */
  step?: number;
  totalSteps?: number;
  /** "2/3" while several candidates are on offer, else ''. */
  candidate: string;
  /** A cursor is in or at the hole: the keys act. */
  atHole: boolean;
}

export function hintText(s: HintState): string {
  const reroll = 'Alt+\\';
  if (!s.atHole) return s.phase === 'running' ? `forming… · put the cursor here for the keys` : 'parked · put the cursor here to accept (Tab) or reject (Esc)';
  if (s.phase === 'running') {
    const progress = s.step !== undefined && s.totalSteps ? ` ${s.step}/${s.totalSteps}` : '';
    return `forming${progress} · Esc stop · ${reroll} reroll`;
  }
  const cycle = s.candidate ? `${s.candidate} Alt+] · ` : '';
  return `${cycle}Tab accept · Esc reject · ${reroll} reroll`;
}
