// Room for a gutter at the left of every box without re-running the layout: stretch the x axis by
// `gutter` px after every box's left edge. The map is monotone, so boxes that did not overlap still do
// not, orthogonal edges stay orthogonal, and every edge end on a box side stays on that side; each box
// grows by at least `gutter`.
export function stretchX(nodes, gutter) {
  if (!gutter) return x => x;
  const lefts = [...new Set(nodes.map(n => n.x))].sort((a, b) => a - b);
  return x => {
    let lo = 0, hi = lefts.length;          // how many box left edges lie strictly left of x
    while (lo < hi) { const mid = (lo + hi) >> 1; if (lefts[mid] < x) lo = mid + 1; else hi = mid; }
    return x + gutter * lo;
  };
}
