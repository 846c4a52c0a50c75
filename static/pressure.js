// Register pressure (/api/kernels/N/pressure, isa/liveness.py): per line a narrow lane whose bar is the VGPRs live
// there as a share of the allocation, red where the kernel's peak is; the same numbers as a table column.
import {el, hex, plural} from "./dom.js";

export const LANE_PX = 22;      // the lane's width left of each line (graph.js widens the boxes by it)

// Per pc: {live, sgprs, agprs, alloc, share (of the allocation), peak}; empty without a body (the route failed).
export function pressureByPc(body) {
  if (!body) return new Map();
  const alloc = body.vgpr_alloc || body.peak.live_vgprs || 1, peak = body.peak.live_vgprs;
  return new Map(body.instructions.map(r => [r.pc, {live: r.live_vgprs, sgprs: r.live_sgprs, agprs: r.live_agprs, alloc: body.vgpr_alloc,
                                                    share: Math.min(r.live_vgprs / alloc, 1), peak: peak > 0 && r.live_vgprs === peak}]));
}

export const pressureTitle = p => `${p.live} of ${p.alloc ?? "?"} VGPRs live` +
  (p.agprs !== undefined ? ` · ${p.agprs} AGPRs` : "") + ` · ${p.sgprs} SGPRs${p.peak ? " · the peak" : ""}`;

// The lane of one line: a bar as wide as its share (CSS draws it from --p).
export function pressureLane(p) {
  const lane = el("span", p?.peak ? "press peak" : "press");
  if (p) { lane.style.setProperty("--p", p.share.toFixed(3)); lane.title = pressureTitle(p); }
  return lane;
}

// What the lane says, for the status line.
export function pressureLegend(body) {
  const legend = el("span", "press-legend");
  legend.append(el("span", "press-key"), `live VGPRs of ${body.vgpr_alloc ?? "?"} · `, el("span", "press-key peak"),
                `peak ${body.peak.live_vgprs} at ${plural(body.peak_count, "instruction")}`);
  const waves = body.occupancy ? ` · ${body.occupancy.waves_per_simd} waves per SIMD` : "";
  legend.title = `the lane left of each line: the VGPRs live there (read, written, or holding a value across it) as a ` +
    `share of the ${body.vgpr_alloc} allocated; red: the peak (${body.peak_pcs.slice(0, 8).map(hex).join(" ")}` +
    `${body.peak_count > 8 ? " …" : ""})${waves}`;
  return legend;
}
