// Talking to the amdviz server. A capture still loading answers its data routes with 202 and its load
// status; these helpers wait that out, showing the progress, so a page can simply ask for what it needs.

export class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

const POLL_MS = 400;
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// GET url as JSON; while the server says 202 (loading), call onLoading(status) and ask again.
export async function getJSON(url, onLoading = () => {}) {
  for (;;) {
    const r = await fetch(url, {headers: {Accept: "application/json"}});
    let body;
    try { body = await r.json(); } catch { body = {error: `${r.status} ${r.statusText}`}; }
    if (r.status === 202) { onLoading(body); await sleep(POLL_MS); continue; }
    if (!r.ok) throw new ApiError(body.error ?? `${r.status} ${r.statusText}`, r.status);
    return body;
  }
}

// Poll a capture's status route until it is no longer loading; resolves with the last status.
export async function untilLoaded(statusUrl, onLoading = () => {}) {
  for (;;) {
    const s = await getJSON(statusUrl);
    if (s.state !== "loading") return s;
    onLoading(s);
    await sleep(POLL_MS);
  }
}

// Show a status (as /api/captures/{cid}/status gives it) in the #status element the templates render.
export function showStatus(s) {
  const el = document.getElementById("status");
  if (!el) return;
  el.className = `status state-${s.state}`;
  let bar = el.querySelector("progress"), msg = el.querySelector(".message");
  if (!msg) { msg = document.createElement("span"); msg.className = "message"; el.append(msg); }
  if (s.state === "loading") {
    if (!bar) { bar = document.createElement("progress"); bar.max = 1; el.prepend(bar, " "); }
    bar.value = s.progress;
  } else bar?.remove();
  msg.textContent = s.state === "error" ? s.error : s.state === "loading" ? s.message : "";
}

export function showError(message) {
  showStatus({state: "error", error: message});
}
