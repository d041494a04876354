import type { ScheduleName } from './types';

/** The reference samplers stop at this time instead of 0 (then a noise-removal step finishes). */
export const TIME_EPS = 1e-5;

/**
 * alpha(t): the probability that a token is still unmasked at time t (1 at t = 0, 0 at t = 1).
 * - loglinear (MDLM/ReMDM reference): alpha_t = 1 - t.
 * - cosine (MDLM's cosine form, without its eps): alpha_t = cos(pi t / 2).
 */
export function scheduleAlpha(schedule: ScheduleName, t: number): number {
  if (schedule === 'cosine') return Math.cos((Math.PI / 2) * t);
  return 1 - t;
}

/**
 * The reference time grid: `steps + 1` times from `start` down to eps, evenly spaced
 * (t_i = start - i (start - eps) / steps). Step i goes from t = grid[i] to s = grid[i + 1].
 */
export function timeGrid(steps: number, start = 1, eps = TIME_EPS): Float64Array {
  const grid = new Float64Array(steps + 1);
  const dt = (start - eps) / steps;
  for (let i = 0; i <= steps; i++) grid[i] = start - i * dt;
  grid[steps] = eps; // exact end, whatever the rounding
  return grid;
}

/**
 * ReMDM-loop's own alpha (the configured schedule is not used by this strategy, as in the
 * reference): an MDLM phase reaching alphaOn at tOn, alpha held at alphaOn on [tOff, tOn],
 * then an MDLM phase from alphaOn to 1.
 */
export function loopAlpha(t: number, tOn: number, tOff: number, alphaOn: number): number {
  if (t > tOn) return (alphaOn * (1 - t)) / (1 - tOn);
  if (t >= tOff) return alphaOn;
  return 1 - ((1 - alphaOn) * t) / tOff;
}
