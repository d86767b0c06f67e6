// imgsearch web page: text search, search by an uploaded image, and "more like this".
// The URL holds the query (?q=text or ?like=id) so every result page can be shared and reloaded.
"use strict";

const RESULT_COUNT = 9;
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

const $ = (id) => document.getElementById(id);
const form = $("search-form"), input = $("query"), fileInput = $("file-input");
const grid = $("results"), empty = $("empty"), errorBox = $("error"), timing = $("timing");
const summary = $("query-summary"), summaryText = $("query-text"), summaryThumb = $("query-thumb");

summaryThumb.addEventListener("error", () => { summaryThumb.hidden = true; }); // e.g. an unknown id in ?like=

let inFlight = null;      // AbortController of the request being shown
let uploadPreview = null; // object URL of the uploaded image, revoked on the next search

// MARK: - Requests

/** Fetches JSON; a non-2xx answer becomes an Error carrying the server's {"error": …} message. */
async function fetchJSON(url, options = {}) {
  const response = await fetch(url, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
  return body;
}

/** Runs one search, showing skeletons while it loads; a newer search cancels an older one. */
async function runSearch(makeRequest, describe) {
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  showError(null);
  empty.hidden = true;
  describe();
  renderSkeletons();
  try {
    const response = await makeRequest(controller.signal);
    if (controller.signal.aborted) return;
    renderResults(response);
  } catch (error) {
    if (controller.signal.aborted) return;
    grid.replaceChildren();
    timing.textContent = "";
    showError(error.message);
  } finally {
    if (inFlight === controller) inFlight = null;
  }
}

function searchText(text) {
  const url = `/api/search?q=${encodeURIComponent(text)}&k=${RESULT_COUNT}`;
  runSearch((signal) => fetchJSON(url, { signal }), () => setSummary(`Results for “${text}”`, null));
}

function searchSimilar(id) {
  const url = `/api/similar/${encodeURIComponent(id)}?k=${RESULT_COUNT}`;
  runSearch((signal) => fetchJSON(url, { signal }), () => {
    setSummary("More like this item", `/images/${encodeURIComponent(id)}`);
    fetchJSON(`/api/items/${encodeURIComponent(id)}`)
      .then((item) => { if (summaryThumb.src.endsWith(encodeURIComponent(id))) summaryText.textContent = `More like “${item.title}”`; })
      .catch(() => {});
  });
}

function searchImage(file) {
  if (!file.type.startsWith("image/")) return showError(`“${file.name}” is not an image.`);
  if (file.size > MAX_UPLOAD_BYTES) return showError(`“${file.name}” is larger than 10 MB.`);
  history.pushState({}, "", "/");
  input.value = "";
  if (uploadPreview) URL.revokeObjectURL(uploadPreview);
  uploadPreview = URL.createObjectURL(file);
  const request = (signal) => fetchJSON(`/api/search/image?k=${RESULT_COUNT}`, {
    method: "POST", body: file, headers: { "Content-Type": file.type }, signal,
  });
  runSearch(request, () => setSummary(`Images like “${file.name}”`, uploadPreview));
}

// MARK: - Rendering

function setSummary(text, thumbURL) {
  summary.hidden = false;
  summaryText.textContent = text;
  summaryThumb.hidden = !thumbURL;
  if (thumbURL) summaryThumb.src = thumbURL; else summaryThumb.removeAttribute("src");
}

function showError(message) {
  errorBox.hidden = !message;
  errorBox.textContent = message || "";
}

function renderSkeletons() {
  timing.textContent = "Searching…";
  grid.setAttribute("aria-busy", "true");
  grid.replaceChildren(...Array.from({ length: RESULT_COUNT }, () => {
    const card = element("div", "card skeleton");
    card.append(element("div", "thumb"));
    const meta = element("div", "meta");
    meta.append(element("div", "bar"), element("div", "bar short"));
    card.append(meta);
    return card;
  }));
}

function renderResults(response) {
  grid.removeAttribute("aria-busy");
  const results = response.results;
  const count = results.length === 1 ? "1 result" : `${results.length} results`;
  const ms = response.elapsedMilliseconds;
  timing.textContent = `${count} · ${ms < 0.1 ? "< 0.1" : ms.toFixed(1)} ms`;
  if (results.length === 0) {
    grid.replaceChildren();
    showError("No images in this index yet.");
    return;
  }
  grid.replaceChildren(...results.map(resultCard));
}

function resultCard(result) {
  const card = element("a", "card");
  card.href = `/?like=${encodeURIComponent(result.id)}`;
  card.dataset.id = result.id;
  card.title = `${result.title}\nEuclidean distance ${result.distance.toFixed(4)}\nClick for more like this`;

  const thumb = element("div", "thumb");
  const image = element("img");
  image.alt = result.title;
  image.decoding = "async";
  image.addEventListener("load", () => image.classList.add("loaded"));
  image.src = result.image;
  const rank = element("span", "rank", String(result.rank));
  thumb.append(image, rank, element("span", "more-like", "More like this"));

  const meta = element("div", "meta");
  meta.append(element("span", "title", result.title || result.id), element("span", "distance", result.distance.toFixed(3)));
  card.append(thumb, meta);
  return card;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// MARK: - Navigation (the URL is the state)

function route() {
  const params = new URLSearchParams(location.search);
  const text = params.get("q"), like = params.get("like");
  if (text && text.trim()) {
    input.value = text;
    searchText(text.trim());
  } else if (like) {
    searchSimilar(like);
  } else {
    inFlight?.abort();
    grid.replaceChildren();
    summary.hidden = true;
    timing.textContent = "";
    empty.hidden = false;
  }
}

function navigate(search) {
  history.pushState({}, "", search ? `/?${search}` : "/");
  route();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return showError("Type something to search for, or drop an image.");
  navigate(`q=${encodeURIComponent(text)}`);
});

grid.addEventListener("click", (event) => {
  const card = event.target.closest("a.card");
  if (!card || event.metaKey || event.ctrlKey || event.shiftKey) return; // let the browser open new tabs
  event.preventDefault();
  input.value = "";
  navigate(`like=${encodeURIComponent(card.dataset.id)}`);
  window.scrollTo({ top: 0, behavior: "smooth" });
});

window.addEventListener("popstate", route);

// MARK: - Uploads: button, drag & drop, paste

$("upload-button").addEventListener("click", () => fileInput.click());
fileInput.addEventListener("change", () => {
  if (fileInput.files[0]) searchImage(fileInput.files[0]);
  fileInput.value = "";
});

const overlay = $("drop-overlay");
let dragDepth = 0; // dragenter/leave fire for every child element
const carriesFiles = (event) => Array.from(event.dataTransfer?.types || []).includes("Files");
window.addEventListener("dragenter", (event) => { if (carriesFiles(event)) { dragDepth++; overlay.hidden = false; } });
window.addEventListener("dragleave", () => { if (--dragDepth <= 0) { dragDepth = 0; overlay.hidden = true; } });
window.addEventListener("dragover", (event) => { if (carriesFiles(event)) event.preventDefault(); });
window.addEventListener("drop", (event) => {
  event.preventDefault();
  dragDepth = 0;
  overlay.hidden = true;
  const file = event.dataTransfer?.files?.[0];
  if (file) searchImage(file);
});
window.addEventListener("paste", (event) => {
  const file = Array.from(event.clipboardData?.files || []).find((f) => f.type.startsWith("image/"));
  if (file) searchImage(file);
});

// MARK: - Keyboard: "/" focuses the search box, arrows move across the 3×3 grid

document.addEventListener("keydown", (event) => {
  if (event.key === "/" && document.activeElement !== input) {
    event.preventDefault();
    input.focus();
    input.select();
    return;
  }
  const cards = Array.from(grid.querySelectorAll("a.card"));
  const index = cards.indexOf(document.activeElement);
  if (event.key === "ArrowDown" && document.activeElement === input && cards.length) {
    event.preventDefault();
    cards[0].focus();
    return;
  }
  if (index < 0) return;
  const columns = getComputedStyle(grid).gridTemplateColumns.split(" ").length;
  const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -columns, ArrowDown: columns };
  if (!(event.key in moves)) return;
  event.preventDefault();
  const target = index + moves[event.key];
  if (target < 0) input.focus();
  else cards[Math.min(target, cards.length - 1)].focus();
});

// MARK: - Start

fetchJSON("/healthz").then((health) => {
  $("item-count").textContent = `${health.items.toLocaleString()} images`;
  $("plot-link").hidden = !health.plot;
}).catch(() => {});
route();
