// The capture page: reload once a loading capture is ready; upload a capture file.
import {showStatus, untilLoaded} from "./api.js";

const status = document.getElementById("status");
if (document.body.dataset.state === "loading" && status) {
  untilLoaded(status.dataset.url, showStatus).then(() => location.reload(), e => showStatus({state: "error", error: e.message}));
}

const form = document.getElementById("upload");
form?.addEventListener("submit", async ev => {
  ev.preventDefault();                  // send the bytes themselves rather than a multipart form
  const file = form.elements.file.files[0], msg = form.querySelector(".message");
  if (!file) return;
  msg.textContent = `uploading ${file.name}…`;
  try {
    const r = await fetch(`/api/captures?name=${encodeURIComponent(file.name)}`,
                          {method: "POST", body: file, headers: {"Content-Type": "application/octet-stream"}});
    const body = await r.json();
    if (!r.ok) throw new Error(body.error ?? r.statusText);
    location.href = body.id ? `/captures/${body.id}` : "/";
  } catch (e) {
    msg.textContent = e.message;
  }
});

// delete a capture: DELETE its JSON twin, then show the list as it is now
for (const button of document.querySelectorAll("button[data-delete]")) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    const r = await fetch(button.dataset.delete, {method: "DELETE"});
    if (!r.ok) { button.disabled = false; button.title = (await r.json()).error ?? r.statusText; return; }
    const id = button.dataset.delete.split("/").pop();
    if (location.pathname === `/captures/${id}` || (id === "0" && location.pathname === "/")) location.href = "/captures/0";
    else location.reload();
  });
}
