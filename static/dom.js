// Element constructors for HTML and SVG, so drawing code reads as what it draws.
export const SVG_NS = "http://www.w3.org/2000/svg";

export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function svg(tag, attrs = {}) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

export const hex = v => "0x" + v.toString(16);

// Counts as they fit a narrow column: exact below 100k, then 3 significant digits with k / M / G.
export function compact(n) {
  if (n < 1e5) return String(n);
  for (const [div, unit] of [[1e9, "G"], [1e6, "M"], [1e3, "k"]])
    if (n >= div) return (n / div).toPrecision(3).replace(/\.?0+$/, "") + unit;
  return String(n);
}

export const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
