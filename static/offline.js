// The single-file report (viz/report.py) standing in for the server. It runs before every other module of the
// report: ?kernel=N picks which kernel's page (each kept as text in the file) fills the body, and the page's GETs
// of /api/... are answered from the JSON bodies embedded in the file; anything else is refused here, never sent.

const bodies = new Map([...document.querySelectorAll('script[type="application/json"][data-route]')].map(s => [s.dataset.route, s]));
const answer = (status, body) => new Response(body, {status, headers: {"Content-Type": "application/json"}});

window.fetch = async (input, init = {}) => {
  const url = new URL(input instanceof Request ? input.url : String(input), location.href);
  const method = (init.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
  const path = url.pathname + url.search;
  const hit = method === "GET" || method === "HEAD" ? bodies.get(path) : undefined;
  if (hit) return answer(200, method === "HEAD" ? null : hit.textContent);   // parsed only when asked for
  const why = method === "GET" ? `${path} is not in this report` : `${method} ${path}: a report is read-only`;
  return answer(404, JSON.stringify({error: why, status: 404}));
};

const pages = [...document.querySelectorAll('script[type="text/html"][data-kernel]')];
const asked = new URLSearchParams(location.search).get("kernel");
const page = pages.find(p => p.dataset.kernel === asked) ?? pages[0];
if (page) {
  const doc = new DOMParser().parseFromString(page.textContent, "text/html");   // inert: loads nothing
  document.title = doc.title;
  for (const a of doc.body.attributes) document.body.setAttribute(a.name, a.value);
  document.body.replaceChildren(...doc.body.childNodes);
  // links to the server's other pages and JSON lead nowhere from a file: gone (the name at the top kept, as text)
  for (const a of document.querySelectorAll('a[href^="/"]')) if (a.classList.contains("brand")) a.removeAttribute("href"); else a.remove();
  const menu = document.getElementById("report-kernel");       // every kernel, those without code greyed
  if (menu) {
    for (const k of JSON.parse(bodies.get(menu.dataset.kernels)?.textContent ?? '{"kernels": []}').kernels) {
      const o = new Option(`${k.id} · ${k.name}`, k.id, false, String(k.id) === menu.dataset.kernel);
      o.disabled = k.n_instructions === null;
      menu.append(o);
    }
    menu.addEventListener("change", () => { location.search = `?kernel=${menu.value}`; });
  }
} else document.body.textContent = "this report holds no kernel that could be disassembled";
