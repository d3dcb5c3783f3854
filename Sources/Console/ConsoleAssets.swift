import WebServer

/// The console's script and style sheet, compiled in: served from memory at `/static/…` (no file is read for a
/// request, nothing comes from a CDN — the box may be offline), cacheable for an hour.
enum ConsoleAssets {
    static let script = HTTPResponse(status: 200, contentType: "text/javascript; charset=utf-8",
                                     headers: [("Cache-Control", "max-age=3600")], body: Array(scriptText.utf8))
    static let style = HTTPResponse(status: 200, contentType: "text/css; charset=utf-8",
                                    headers: [("Cache-Control", "max-age=3600")], body: Array(styleText.utf8))

    static let scriptText = #"""
// camsift console: plain JavaScript, no build step, no external code. Served from /static/console.js (the
// Content-Security-Policy allows no inline script). Every state change is a POST carrying the CSRF token.
"use strict";
(function () {
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const status = document.getElementById("status");
  function say(text, bad) {
    if (!status) return;
    status.textContent = text;
    status.className = bad ? "bad" : "";
  }
  async function post(url, params) {
    const body = new URLSearchParams(params || {});
    body.set("csrf", csrf);
    const r = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded" }, body: body
    });
    let data = {};
    try { data = await r.json(); } catch (e) { data = { error: r.status + " " + r.statusText }; }
    if (!r.ok) throw new Error(data.error || (r.status + " " + r.statusText));
    return data;
  }

  // ---- Review: select frames (click, shift-click ranges, a = all, Esc = none), label them (number keys or the
  // label buttons), skip (s), unsure (?), undo (u); arrows move the focus.
  function review() {
    const grid = document.getElementById("review-grid");
    if (!grid) return;
    let last = null;
    const tiles = () => Array.from(grid.querySelectorAll(".frame"));
    const selected = () => tiles().filter(t => t.classList.contains("selected"));
    function count() {
      const n = selected().length;
      const c = document.getElementById("selection");
      if (c) c.textContent = n ? n + " selected" : "";
    }
    function focusTile(t) { if (t) { t.focus(); last = last || t; } }
    grid.addEventListener("click", ev => {
      const t = ev.target.closest(".frame");
      if (!t) return;
      ev.preventDefault();
      if (ev.shiftKey && last) {
        const all = tiles(), a = all.indexOf(last), b = all.indexOf(t);
        const [lo, hi] = a < b ? [a, b] : [b, a];
        for (let i = lo; i <= hi; i++) all[i].classList.add("selected");
      } else {
        t.classList.toggle("selected");
        last = t;
      }
      t.focus();
      count();
    });
    async function act(url, params, verb) {
      let targets = selected();
      if (!targets.length && document.activeElement && document.activeElement.classList.contains("frame")) {
        targets = [document.activeElement];
      }
      if (!targets.length) { say("select frames first (click, shift-click, or a for all)", true); return; }
      const ids = targets.map(t => t.dataset.id).join(",");
      try {
        const r = await post(url, Object.assign({ ids: ids }, params));
        const next = targets[targets.length - 1].nextElementSibling;
        targets.forEach(t => t.remove());
        say((r.message || (verb + " " + targets.length)) + " — u to undo");
        const left = document.getElementById("pending-count");
        if (left && typeof r.pending === "number") left.textContent = r.pending;
        focusTile(next && next.classList.contains("frame") ? next : tiles()[0]);
        count();
      } catch (e) { say(verb + " failed: " + e.message, true); }
    }
    // Suggested frames (label propagation): confirm assigns each tile its own pre-filled label.
    async function confirmTiles(targets) {
      targets = targets.filter(t => t && t.dataset.suggested);
      if (!targets.length) { say("no suggested frame selected", true); return; }
      const byLabel = {};
      targets.forEach(t => { (byLabel[t.dataset.suggested] = byLabel[t.dataset.suggested] || []).push(t); });
      for (const label of Object.keys(byLabel)) {
        const group = byLabel[label];
        try {
          const r = await post("/api/label", { ids: group.map(t => t.dataset.id).join(","), label: label });
          group.forEach(t => t.remove());
          say((r.message || ("confirmed " + label)) + " — u to undo");
          const left = document.getElementById("pending-count");
          if (left && typeof r.pending === "number") left.textContent = r.pending;
        } catch (e) { say("confirm failed: " + e.message, true); }
      }
      count();
    }
    const pr = document.getElementById("propagate"), prs = document.getElementById("propagate-status");
    if (pr) pr.addEventListener("click", async () => {
      try { const r = await post("/api/propagate", {}); say(r.message); if (prs) prs.textContent = "propagating…"; }
      catch (e) { say("propagation failed: " + e.message, true); }
    });
    function labelButtons() { return Array.from(document.querySelectorAll(".label-btn")); }
    document.addEventListener("click", ev => {
      const b = ev.target.closest(".label-btn");
      if (b) { ev.preventDefault(); act("/api/label", { label: b.dataset.label }, "labelled as " + b.dataset.label); }
      const c = ev.target.closest(".confirm-btn");
      if (c) { ev.preventDefault(); confirmTiles([c.closest(".frame")]); }
      const v = ev.target.closest(".verdict-btn");
      if (v) { ev.preventDefault(); act("/api/mark", { verdict: v.dataset.verdict }, "marked " + v.dataset.verdict); }
    });
    const undoButton = document.getElementById("undo");
    async function undo() {
      try {
        const r = await post("/api/undo", {});
        say(r.message || "undone");
        setTimeout(() => location.reload(), 300);
      } catch (e) { say("undo failed: " + e.message, true); }
    }
    if (undoButton) undoButton.addEventListener("click", ev => { ev.preventDefault(); undo(); });
    document.addEventListener("keydown", ev => {
      if (ev.target.closest("input, textarea, select") || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const all = tiles();
      const at = all.indexOf(document.activeElement);
      if (ev.key >= "1" && ev.key <= "9") {
        const b = labelButtons()[Number(ev.key) - 1];
        if (b) { ev.preventDefault(); act("/api/label", { label: b.dataset.label }, "labelled as " + b.dataset.label); }
      } else if (ev.key === "u") { ev.preventDefault(); undo(); }
      else if (ev.key === "c") {
        ev.preventDefault();
        const sel = selected();
        confirmTiles(sel.length ? sel : [document.activeElement]);
      }
      else if (ev.key === "s") { ev.preventDefault(); act("/api/mark", { verdict: "skip" }, "skipped"); }
      else if (ev.key === "?") { ev.preventDefault(); act("/api/mark", { verdict: "unsure" }, "marked unsure"); }
      else if (ev.key === "a") { ev.preventDefault(); all.forEach(t => t.classList.add("selected")); count(); }
      else if (ev.key === "Escape") { all.forEach(t => t.classList.remove("selected")); count(); }
      else if (ev.key === " " && at >= 0) { ev.preventDefault(); all[at].classList.toggle("selected"); last = all[at]; count(); }
      else if (ev.key.startsWith("Arrow") && all.length) {
        ev.preventDefault();
        const cols = Math.max(1, all.filter(t => t.offsetTop === all[0].offsetTop).length);
        let i = at < 0 ? 0 : at;
        if (ev.key === "ArrowRight") i++;
        if (ev.key === "ArrowLeft") i--;
        if (ev.key === "ArrowDown") i += cols;
        if (ev.key === "ArrowUp") i -= cols;
        i = Math.max(0, Math.min(all.length - 1, i));
        if (ev.shiftKey) all[i].classList.add("selected");
        all[i].focus();
        last = all[i];
        count();
      }
    });
    // Tags: "Set tags" gives the selected (or focused) frames exactly the checked tags plus the new one; the
    // frames stay. Selecting exactly one frame shows its tags in the boxes.
    const tagForm = document.getElementById("tag-form");
    const boxes = () => Array.from(document.querySelectorAll(".tag-box"));
    grid.addEventListener("click", () => {
      const s = selected();
      if (s.length !== 1) return;
      const have = (s[0].querySelector(".tags").dataset.tags || "").split(";");
      boxes().forEach(b => { b.checked = have.includes(b.value); });
    });
    if (tagForm) tagForm.addEventListener("submit", async ev => {
      ev.preventDefault();
      let targets = selected();
      if (!targets.length && last && document.body.contains(last)) targets = [last];
      if (!targets.length) { say("select frames first, then set their tags", true); return; }
      const fresh = document.getElementById("new-tag").value.trim();
      const tags = boxes().filter(b => b.checked).map(b => b.value);
      if (fresh && !tags.includes(fresh)) tags.push(fresh);
      try {
        const r = await post("/api/tags", { ids: targets.map(t => t.dataset.id).join(","), tags: tags.join(";") });
        targets.forEach(t => {
          const m = t.querySelector(".tags");
          m.dataset.tags = tags.join(";");
          m.textContent = tags.join(", ");
        });
        say(r.message || "tags set");
        if (fresh && !boxes().some(b => b.value === fresh)) setTimeout(() => location.reload(), 300);
      } catch (e) { say("cannot set tags: " + e.message, true); }
    });
    const form = document.getElementById("new-label-form");
    if (form) form.addEventListener("submit", async ev => {
      ev.preventDefault();
      const name = document.getElementById("new-label").value.trim();
      try { await post("/api/labels", { name: name }); location.reload(); }
      catch (e) { say("cannot create label: " + e.message, true); }
    });
    if (tiles().length) tiles()[0].focus();
  }

  // ---- Models: retrain with live progress, rollback.
  function models() {
    const st = document.getElementById("retrain-status");
    if (!st) return;
    let was = st.dataset.phase;
    async function poll() {
      try {
        const r = await fetch("/api/retrain", { credentials: "same-origin" });
        const s = await r.json();
        st.textContent = s.text;
        st.dataset.phase = s.phase;
        if (was === "training" && s.phase !== "training") setTimeout(() => location.reload(), 500);
        was = s.phase;
      } catch (e) { /* the next poll tries again */ }
    }
    setInterval(poll, 2000);
    const rt = document.getElementById("retrain");
    if (rt) rt.addEventListener("click", async () => {
      try { const r = await post("/api/retrain", {}); say(r.message); was = "training"; poll(); }
      catch (e) { say("retrain failed: " + e.message, true); }
    });
    const rb = document.getElementById("rollback");
    if (rb) rb.addEventListener("click", async () => {
      if (!window.confirm("Serve the previous bundle again?")) return;
      try { const r = await post("/api/rollback", {}); say(r.message); setTimeout(() => location.reload(), 800); }
      catch (e) { say("rollback failed: " + e.message, true); }
    });
  }

  // ---- Cameras: refresh the visible tiles (labels, scores, states, frames) every 5 s without a page reload.
  function cameras() {
    const grid = document.getElementById("camera-grid");
    if (!grid) return;
    async function refresh() {
      const tiles = Array.from(grid.querySelectorAll(".cam"));
      if (!tiles.length || document.hidden) return;
      const ids = tiles.map(t => t.dataset.camera);
      try {
        const r = await fetch("/api/cameras?ids=" + encodeURIComponent(ids.join("\n")), { credentials: "same-origin" });
        const data = await r.json();
        const byId = new Map(data.cameras.map(c => [c.id, c]));
        for (const t of tiles) {
          const c = byId.get(t.dataset.camera);
          if (!c) continue;
          t.querySelector(".label").textContent = c.label || "–";
          t.querySelector(".score").textContent = c.score == null ? "–" : c.score.toFixed(2);
          t.querySelector(".state").textContent = c.state;
          t.className = "cam state-" + c.state;
          const img = t.querySelector("img");
          // Only a changed frame is fetched again (its version is its capture time).
          const next = "/cameras/" + encodeURIComponent(c.id) + "/latest.jpg?v=" + c.frameVersion;
          if (img && c.frame && img.getAttribute("src") !== next) img.src = next;
        }
      } catch (e) { /* the next refresh tries again */ }
    }
    setInterval(refresh, 5000);
  }

  function camera() {
    const img = document.getElementById("latest");
    if (!img || img.tagName !== "IMG") return;
    const base = img.src.split("?")[0];
    setInterval(() => { if (!document.hidden) img.src = base + "?t=" + Date.now(); }, 5000);
  }

  document.addEventListener("DOMContentLoaded", () => { review(); models(); cameras(); camera(); });
})();
"""#

    static let styleText = #"""
/* camsift console: readable on a phone (the grid reflows), no external fonts or assets. */
:root { --fg: #1d2125; --muted: #5f6b76; --line: #d8dde2; --bg: #f6f7f9; --accent: #0b62c4; --bad: #b3261e; --ok: #1e7d32; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: .8em; align-items: center; padding: .5em 1em; background: #fff; border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 2; }
header .brand { font-weight: 700; color: var(--fg); text-decoration: none; }
header nav a { margin-right: .8em; color: var(--muted); text-decoration: none; }
header nav a.active { color: var(--accent); font-weight: 600; }
#status { margin-left: auto; color: var(--ok); }
#status.bad { color: var(--bad); }
main { padding: 1em; max-width: 1400px; margin: 0 auto; }
h1 { font-size: 1.4em; margin: .2em 0 .4em; }
h2 { font-size: 1.1em; margin: 1.2em 0 .4em; }
.summary { color: var(--muted); margin: .3em 0; }
code { background: #eceff2; padding: 0 .3em; border-radius: 3px; }
table { border-collapse: collapse; background: #fff; margin: .4em 0; }
th, td { border: 1px solid var(--line); padding: .25em .5em; text-align: left; vertical-align: top; }
table.kv th { color: var(--muted); font-weight: 500; }
button { font: inherit; padding: .35em .8em; border: 1px solid var(--line); border-radius: 4px; background: #fff; cursor: pointer; }
button:hover { border-color: var(--accent); }
input, select { font: inherit; padding: .25em; }
form.filters { display: flex; flex-wrap: wrap; gap: .6em; align-items: end; margin: .5em 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: .6em; }
.cam, .frame { display: block; background: #fff; border: 2px solid var(--line); border-radius: 6px; overflow: hidden; color: var(--fg); text-decoration: none; }
.frame.suggested { border-style: dashed; }
.confirm-btn { display: block; width: 100%; margin: 0; border: 0; border-top: 1px solid var(--line); }
.cam img, .frame img { display: block; width: 100%; aspect-ratio: 4 / 3; object-fit: cover; background: #ccd; }
.noframe { display: flex; align-items: center; justify-content: center; aspect-ratio: 4 / 3; background: #e4e7eb; color: var(--muted); }
.cam .name { display: block; padding: .2em .4em 0; font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.meta { display: flex; flex-wrap: wrap; gap: .2em .6em; padding: .1em .4em .3em; font-size: .88em; color: var(--muted); }
.meta .label { color: var(--fg); font-weight: 600; }
.state-offline, .state-backoff { border-color: #e8b4b0; }
.state-degraded { border-color: #ecd48a; }
.state-disabled { opacity: .6; }
.pager { display: flex; gap: 1em; margin: 1em 0; }
.camera-page { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 1.5em; }
@media (max-width: 800px) { .camera-page { grid-template-columns: 1fr; } .grid { grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); } }
img.latest { max-width: 100%; border-radius: 6px; }
svg.timeline { width: 100%; height: 24px; display: block; background: #e4e7eb; }
.key { margin-right: .6em; white-space: nowrap; }
.frame { cursor: pointer; position: relative; }
.frame:focus { outline: 3px solid var(--accent); outline-offset: 1px; }
.frame.selected { border-color: var(--accent); box-shadow: 0 0 0 3px rgba(11, 98, 196, .35); }
.frame.selected::after { content: "✓"; position: absolute; top: .2em; right: .4em; color: #fff; background: var(--accent); border-radius: 50%; width: 1.4em; height: 1.4em; text-align: center; }
.reasons { font-size: .8em; color: var(--muted); }
.labelbar { display: flex; flex-wrap: wrap; gap: .4em; align-items: center; margin: .5em 0; padding: .5em; background: #fff; border: 1px solid var(--line); border-radius: 6px; position: sticky; top: 2.6em; z-index: 1; }
.tagbar { display: flex; flex-wrap: wrap; gap: .4em .8em; align-items: center; margin: .5em 0; padding: .4em .5em; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
.meta.tags { color: var(--fg); font-style: italic; }
.labelbar kbd { font-size: .8em; color: var(--muted); margin-right: .35em; border: 1px solid var(--line); border-radius: 3px; padding: 0 .25em; }
.help { color: var(--muted); font-size: .88em; }
.bar { display: inline-block; height: .8em; background: var(--accent); vertical-align: middle; }
.low { color: var(--bad); }
svg.confusion { max-width: 100%; height: auto; background: #fff; }
.outcome-promoted td:nth-child(3) { color: var(--ok); font-weight: 600; }
.outcome-failed td:nth-child(3) { color: var(--bad); }
"""#
}
