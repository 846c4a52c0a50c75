// Arrow keys between blocks by where they are drawn: the nearest block whose centre lies in that
// direction, off-axis distance counting double so "down" prefers the block below over one beside it.
const DIRS = {ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0]};

export const isArrow = key => key in DIRS;

export function nextBlock(boxes, fromId, key) {
  const from = boxes.get(fromId), [dx, dy] = DIRS[key];
  if (!from) return null;
  const cx = from.x + from.w / 2, cy = from.y + from.h / 2;
  let best = null, bestCost = Infinity;
  for (const [id, b] of boxes) {
    if (id === fromId) continue;
    const ox = b.x + b.w / 2 - cx, oy = b.y + b.h / 2 - cy;
    const along = ox * dx + oy * dy, across = Math.abs(ox * dy - oy * dx);
    if (along <= 0) continue;
    const cost = along + 2 * across;
    if (cost < bestCost) { bestCost = cost; best = id; }
  }
  return best;
}
