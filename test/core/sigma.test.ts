import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_SAMPLER_OPTIONS,
  dfmSigma,
  loopAlpha,
  REMASKING_STRATEGY_NAMES,
  remdmPosterior,
  scheduleAlpha,
  SCHEDULE_NAMES,
  stepCoefficients,
  timeGrid,
  TIME_EPS,
} from '../../src/core';

test('the time grid runs from the start time down to eps in even steps', () => {
  const g = timeGrid(4);
  assert.equal(g.length, 5);
  assert.equal(g[0], 1);
  assert.equal(g[4], TIME_EPS);
  assert.ok(Math.abs(g[1] - (1 - (1 - TIME_EPS) / 4)) < 1e-15);
  const r = timeGrid(10, 0.4);
  assert.equal(r[0], 0.4);
  for (let i = 1; i < r.length; i++) assert.ok(r[i] < r[i - 1]);
});

test('schedules: loglinear is 1 - t, cosine is cos(pi t / 2), both from 1 to 0', () => {
  assert.equal(scheduleAlpha('loglinear', 0.3), 0.7);
  assert.ok(Math.abs(scheduleAlpha('cosine', 0.5) - Math.SQRT1_2) < 1e-12);
  for (const s of SCHEDULE_NAMES) {
    assert.ok(Math.abs(scheduleAlpha(s, 0) - 1) < 1e-12);
    assert.ok(Math.abs(scheduleAlpha(s, 1)) < 1e-12);
  }
});

test('remdm-loop alpha: reaches alphaOn at tOn, holds it until tOff, then rises to 1', () => {
  const a = (t: number) => loopAlpha(t, 0.55, 0.05, 0.9);
  assert.equal(a(1), 0);
  assert.ok(Math.abs(a(0.55) - 0.9) < 1e-12);
  assert.equal(a(0.3), 0.9);
  assert.equal(a(0.05), 0.9);
  assert.equal(a(0), 1);
  assert.ok(Math.abs(a(0.025) - 0.95) < 1e-12);
});

test('DFM sigma is b_t (alpha_s - alpha_t) / alpha_t with b_t = 10 t^1/4 (1-t)^1/4', () => {
  const t = 0.5;
  const bt = 10 * Math.pow(0.25, 0.25);
  assert.ok(Math.abs(dfmSigma(t, 0.5, 0.51) - (bt * 0.01) / 0.5) < 1e-12);
  assert.equal(dfmSigma(1, 0, 0.01), 0);
});

for (const schedule of SCHEDULE_NAMES) {
  for (const steps of [1, 7, 64, 1000]) {
    test(`sigma in [0, sigma_max] and posteriors are probability vectors (${schedule}, ${steps} steps)`, () => {
      for (const strategy of REMASKING_STRATEGY_NAMES) {
        for (const eta of [0, 0.02, 0.5, 1]) {
          const o = { ...DEFAULT_SAMPLER_OPTIONS, strategy, schedule, eta, steps };
          for (const start of [1, 0.6]) {
            const g = timeGrid(steps, start);
            for (let i = 0; i < steps; i++) {
              const c = stepCoefficients(strategy, o, g[i], g[i + 1]);
              const where = `${strategy} eta=${eta} t=${g[i]}`;
              assert.ok(c.alphaS >= c.alphaT - 1e-15, `alpha must not fall: ${where}`);
              assert.ok(c.sigmaMax >= 0 && c.sigmaMax <= 1, where);
              assert.ok(c.sigma >= 0 && c.sigma <= c.sigmaMax, `sigma ${c.sigma} > max ${c.sigmaMax}: ${where}`);
              for (const sigma of [0, c.sigma, c.sigmaMax]) {
                const p = remdmPosterior(c.alphaT, c.alphaS, sigma);
                for (const v of [p.unmask, p.stayMasked, p.keep, p.remask]) assert.ok(v >= 0 && v <= 1, where);
                assert.ok(Math.abs(p.unmask + p.stayMasked - 1) < 1e-12, where);
                assert.ok(Math.abs(p.keep + p.remask - 1) < 1e-12, where);
              }
            }
          }
        }
      }
    });
  }
}

test('strategy sigmas: mdlm 0, cap min(eta, max), rescale eta*max, loop eta only in [tOff, tOn]', () => {
  const o = { ...DEFAULT_SAMPLER_OPTIONS, eta: 0.3 };
  const [t, s] = [0.5, 0.49];
  const max = Math.min(1, (1 - (1 - s)) / (1 - t));
  assert.equal(stepCoefficients('mdlm', o, t, s).sigma, 0);
  assert.ok(Math.abs(stepCoefficients('remdm-cap', o, t, s).sigma - Math.min(0.3, max)) < 1e-12);
  assert.ok(Math.abs(stepCoefficients('remdm-rescale', o, t, s).sigma - 0.3 * max) < 1e-12);
  assert.ok(Math.abs(stepCoefficients('forward-backward', o, t, s).sigma - 0.01 / 0.5) < 1e-12);
  assert.ok(Math.abs(stepCoefficients('remdm-loop', o, 0.3, 0.29).sigma - 1 / 9) < 1e-12); // eta capped at sigma_max
  assert.equal(stepCoefficients('remdm-loop', { ...o, eta: 0.05 }, 0.3, 0.29).sigma, 0.05);
  assert.equal(stepCoefficients('remdm-loop', o, 0.8, 0.79).sigma, 0);
  assert.equal(stepCoefficients('remdm-loop', o, 0.04, 0.03).sigma, 0);
  assert.equal(stepCoefficients('remdm-conf', o, t, s).perPosition, true);
});
