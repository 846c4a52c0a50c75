// Pan and zoom of the graph canvas inside its viewport, by a CSS transform: wheel zooms around the
// cursor, dragging pans, fit() shows the whole graph, reveal() brings a box into view. A drag does not
// also count as a click on what it started over.
const MIN_SCALE = 0.03, MAX_SCALE = 4, DRAG_PX = 4, MARGIN = 16;
const FIT_MIN = 0.25, READABLE = 0.6;    // fit shows the whole graph down to FIT_MIN; below, text at READABLE stays legible

// `view` is the viewport's size, measured by the caller before the graph filled the page: reading it here
// would make the browser lay out the whole graph first. A ResizeObserver keeps it current.
export function panZoom(viewport, canvas, size, view = {width: viewport.clientWidth, height: viewport.clientHeight}) {
  let s = 1, tx = 0, ty = 0, vw = view.width, vh = view.height;
  new ResizeObserver(([e]) => { vw = e.contentRect.width; vh = e.contentRect.height; }).observe(viewport);
  const listeners = [];
  const apply = () => {
    canvas.style.transform = `translate(${tx}px, ${ty}px) scale(${s})`; viewport.dataset.scale = s.toFixed(3);
    for (const fn of listeners) fn();
  };

  function zoomAt(px, py, factor) {
    const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, s * factor));
    tx = px - (px - tx) * (next / s); ty = py - (py - ty) * (next / s); s = next;
    apply();
  }

  viewport.addEventListener("wheel", e => {
    e.preventDefault();
    const r = viewport.getBoundingClientRect();
    zoomAt(e.clientX - r.left, e.clientY - r.top, Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)));
  }, {passive: false});

  let drag = null, suppressClick = false;
  viewport.addEventListener("pointerdown", e => {
    if (e.button !== 0) return;
    drag = {x: e.clientX, y: e.clientY, tx, ty, moving: false, id: e.pointerId};
  });
  viewport.addEventListener("pointermove", e => {
    if (!drag || e.pointerId !== drag.id) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moving && Math.hypot(dx, dy) < DRAG_PX) return;
    if (!drag.moving) { drag.moving = true; viewport.setPointerCapture(e.pointerId); viewport.classList.add("panning"); }
    tx = drag.tx + dx; ty = drag.ty + dy; apply();
  });
  const end = () => {
    if (drag?.moving) { suppressClick = true; viewport.classList.remove("panning"); }
    drag = null;
  };
  viewport.addEventListener("pointerup", end);
  viewport.addEventListener("pointercancel", end);
  viewport.addEventListener("click", e => {
    if (suppressClick) { e.stopPropagation(); e.preventDefault(); suppressClick = false; }
  }, true);

  // The whole graph, if it fits at FIT_MIN or more. One bigger would shrink to a strip of unreadable text: it is
  // shown from `anchor` (the entry block) at READABLE scale or its width, whichever is larger, and the
  // minimap gives the overview.
  function fit(anchor = null) {
    const whole = Math.min((vw - 2 * MARGIN) / size.width, (vh - 2 * MARGIN) / size.height);
    if (whole >= FIT_MIN || !anchor) {
      s = Math.min(1, Math.max(MIN_SCALE, whole));
      tx = (vw - size.width * s) / 2; ty = Math.max(MARGIN, (vh - size.height * s) / 2);
    } else {
      s = Math.min(1, Math.max(READABLE, (vw - 2 * MARGIN) / size.width));
      tx = size.width * s + 2 * MARGIN <= vw ? (vw - size.width * s) / 2 : vw / 2 - (anchor.x + anchor.w / 2) * s;
      ty = MARGIN + 16 - anchor.y * s;
    }
    apply();
  }

  // Centre a box (canvas px) at the current scale; one taller than the view shows its top, or the line `focus`
  // ({y, h}) in the middle; one wider than the view shows its left side.
  function reveal({x, y, w, h}, focus = null) {
    tx = w * s + 2 * MARGIN > vw ? MARGIN - x * s : vw / 2 - (x + w / 2) * s;
    if (h * s + 2 * MARGIN <= vh) ty = vh / 2 - (y + h / 2) * s;
    else if (focus && (focus.y - y) * s > vh / 2) ty = vh / 2 - (focus.y + focus.h / 2) * s;
    else ty = MARGIN + 16 - y * s;
    apply();
  }

  function zoomBy(factor) { zoomAt(vw / 2, vh / 2, factor); }

  // Put canvas point (x, y) at the middle of the viewport, at the current scale.
  function center(x, y) {
    tx = vw / 2 - x * s; ty = vh / 2 - y * s;
    apply();
  }

  // The part of the canvas the viewport shows, in canvas px.
  function visible() {
    return {x: -tx / s, y: -ty / s, w: vw / s, h: vh / s};
  }

  apply();
  return {fit, reveal, zoomBy, center, visible, onChange(fn) { listeners.push(fn); }, get scale() { return s; }};
}
