// Latency heat: each instruction's share of the kernel's traced cycles, as a tint and as numbers.
import {compact} from "./dom.js";

// Per pc: {hits, cycles, share, wait, waitedOnBy}; empty when the kernel was not traced, or none of its waves
// ran on an instruction-traced SIMD (its zeros would read as measured when nothing was).
export function heatByPc(timing) {
  const rows = timing.traced && timing.waves > 0 ? timing.instructions : [];
  const total = rows.reduce((s, r) => s + r.cycles_total, 0) || 1;
  return new Map(rows.map(r => [r.pc, {hits: r.hits, cycles: r.cycles_total, share: r.cycles_total / total, mean: r.cycles_mean,
                                       stall: r.stall, wait: r.wait ?? [], waitedOnBy: r.waited_on_by ?? []}]));
}

// Opacity of the tint: square root, so the many small costs stay visible beside one huge stall.
export function tintAlpha(share, maxShare) {
  return share > 0 && maxShare > 0 ? +(0.03 + 0.62 * Math.sqrt(share / maxShare)).toFixed(3) : 0;
}

export const percent = share => (100 * share).toFixed(share >= 0.1 ? 1 : 2) + "%";
export {compact};

// A diff's heat (viz/diff.py, one kernel pair): B's heat per pc with A's numbers beside it and the change, the
// tint's strength its share of all the changes (|delta|) and its colour the direction: faster green, slower red.
export const FASTER = "22, 163, 74", SLOWER = "220, 38, 38";
export function diffHeat(base, kernel) {
  const rows = kernel.totals.delta === null ? [] : kernel.instructions.filter(r => r.pc_b !== null);
  const total = rows.reduce((s, r) => s + Math.abs(r.delta), 0) || 1;
  return new Map(rows.map(r => [r.pc_b, {...(base.get(r.pc_b) ?? {wait: [], waitedOnBy: []}), hits: r.hits_b, cycles: r.cycles_b,
                                         hitsA: r.hits_a, cyclesA: r.cycles_a, delta: r.delta, share: Math.abs(r.delta) / total,
                                         rgb: r.delta < 0 ? FASTER : SLOWER, inserted: r.pc_a === null}]));
}

export const signed = n => (n > 0 ? "+" : n < 0 ? "-" : "±") + compact(Math.abs(n));
