// The studio page: the shots strip, the keyframe being painted, its fill, the shot preview and
// the render. The server holds every file; this page holds only what is on screen and the
// strokes not yet saved (each stroke is saved as soon as it ends).
import { imageOf, json, picture, request, url } from "./api.js";
import { keep, recall } from "./history.js";
import { Painter } from "./painter.js";

const $ = (id) => document.getElementById(id);
const S = {
  film: null,
  shots: [],
  shotEdits: null, // the server's count of shot corrections the strip shows
  unkeyed: new Set(), // shots with no keyframe the render reads: they get the automatic colour
  setups: [], // the camera setups, each a list of shot numbers
  borrowing: {}, // shot with no keyframe -> the painted shot of its setup it takes colour from
  keyframes: {},
  swatches: [],
  rest: null, // what the strokes do not reach keeps, for every keyframe: "gray" or "automatic" (keyframes.json)
  scanFinished: false,
  shot: null,
  frame: null, // the keyframe being painted
  shown: null, // the frame on screen: the keyframe, or another the scrubber shows
  loaded: null, // the frame whose strokes are loaded: painting waits for it
  opening: null, // the frame asked for last (opening waits for a save)
  revision: 0,
  base: null, // the file of the strokes the keyframe's undo history starts from
  unsaved: false, // a save failed (the studio did not answer): the next answer from it saves again
  view: "filled",
  urls: { gray: null, filled: null, auto: null },
  autoBlob: null, // the automatic colour's file, for the history of a keyframe started from it
  saving: false,
  saveAgain: false,
  sketching: false,
  sketchAgain: false,
  strokeAt: 0,
  fine: null, // the render's own fill is shown for this frame and change (`${frame}:${edits}`)
  preview: null,
  render: null,
};
window.studio = { timings: [], state: S }; // for tests and benchmarks: stroke-to-fill times (ms)

const painter = new Painter($("strokes"), { onStroke: stroked, onPick: pick, onRefused: refused, onHistory: drawUndo });
window.studio.painter = painter;

function say(text, info = false) {
  const box = $("status");
  box.textContent = text;
  box.title = text; // the whole of it, where the header's line cuts it short
  box.className = "show" + (info ? " info" : "");
  clearTimeout(say.timer);
  say.timer = setTimeout(() => (box.className = ""), info ? 4000 : 8000);
}

function seconds(frame) {
  return (frame / S.film.rate).toFixed(2) + " s";
}

function shotOf(frame) {
  let found = null;
  for (const [n, shot] of S.shots.entries()) if (shot.first <= frame) found = n;
  return found;
}

function keysOf(n) {
  const shot = S.shots[n];
  const end = shot.end ?? S.film.frames;
  return Object.keys(S.keyframes).map(Number).filter((f) => f >= shot.first && f < end).sort((a, b) => a - b);
}

function badge(n) {
  const kinds = keysOf(n).map((f) => S.keyframes[f].kind);
  if (kinds.includes("coloured")) return ["coloured", "coloured"];
  if (kinds.includes("strokes")) return ["strokes", "strokes"];
  return ["none", "not started"];
}

// ---- the shots strip -------------------------------------------------------------------------

const NO_KEYFRAME = "no keyframe: gets the automatic colour";

function drawShots() {
  const strip = $("shots");
  while (strip.children.length > S.shots.length) strip.lastChild.remove(); // merged away
  S.shots.forEach((shot, n) => {
    let card = strip.children[n];
    if (!card) {
      card = document.createElement("div");
      card.className = "shot";
      card.dataset.n = n;
      card.innerHTML = `<img alt="shot ${n + 1}" loading="lazy"><span class="nokey" title="${NO_KEYFRAME}">no keyframe</span><span class="setup" hidden></span><div class="meta"><span class="len"></span><span class="badge"></span></div>`;
      card.addEventListener("click", () => selectShot(n));
      strip.appendChild(card);
    }
    if (card.dataset.first !== String(shot.first)) {
      // a correction moved this shot's start: its picture is of another frame now
      card.dataset.first = shot.first;
      card.querySelector("img").src = url(`/api/shots/${n}/thumb.jpg?first=${shot.first}`);
    }
    const lender = S.borrowing[n];
    const unkeyed = S.unkeyed.has(n) && lender === undefined;
    card.classList.toggle("unkeyed", unkeyed);
    const nokey = card.querySelector(".nokey");
    nokey.hidden = !S.unkeyed.has(n);
    nokey.textContent = lender === undefined ? "no keyframe" : `colour from shot ${lender + 1}`;
    card.title = unkeyed ? `shot ${n + 1}: ${NO_KEYFRAME}` : lender === undefined ? "" : `shot ${n + 1}: takes the colour of shot ${lender + 1}, the same camera setup`;
    const group = S.setups.findIndex((g) => g.includes(n));
    const mark = card.querySelector(".setup");
    mark.hidden = group < 0;
    mark.textContent = group < 0 ? "" : setupName(group);
    mark.title = group < 0 ? "" : `camera setup ${setupName(group)}: shots ${S.setups[group].map((m) => m + 1).join(", ")}`;
    mark.style.background = group < 0 ? "" : `hsl(${(group * 137) % 360} 55% 38%)`;
    const length = shot.end === null ? "…" : seconds(shot.end - shot.first);
    card.querySelector(".len").textContent = `#${n + 1} · ${length}`;
    const [cls, text] = badge(n);
    const b = card.querySelector(".badge");
    b.className = "badge " + cls;
    b.textContent = text;
    card.classList.toggle("selected", n === S.shot);
  });
}

// A setup's mark in the strip: A, B, ... Z, then AA, AB, ...
function setupName(group) {
  const letter = String.fromCharCode(65 + (group % 26));
  return group < 26 ? letter : setupName(Math.floor(group / 26) - 1) + letter;
}

async function poll() {
  try {
    let state = await json("GET", `/api/state?since=${S.shots.length}`);
    if (state.shot_edits !== S.shotEdits && S.shots.length) state = await json("GET", "/api/state?since=0"); // corrected
    S.film = state.film;
    takeShots(state);
    const before = S.keyframes[S.frame];
    S.keyframes = state.keyframes;
    S.swatches = state.swatches;
    takeRest(state.rest);
    S.scanFinished = state.scan.finished;
    $("film-name").textContent = `${state.film.name} · ${state.film.width}x${state.film.height} · ${state.film.frames} frames · keyframes in ${state.folder}/`;
    $("scan-bar").value = state.scan.done / Math.max(1, state.scan.total);
    $("scan-text").textContent = state.scan.error
      ? `shots found up to frame ${state.scan.done}: ${state.scan.error}`
      : state.scan.finished
        ? `${S.shots.length} shots`
        : `finding the shots… ${S.shots.length} so far (${state.scan.done} of ${state.scan.total} frames)`;
    $("scan-bar").hidden = state.scan.finished;
    drawShots();
    drawSwatches();
    drawRender(state.render);
    if (S.shot === null && S.shots.length) selectShot(0);
    else if (S.shot !== null) drawShotControls();
    const now = S.keyframes[S.frame];
    if (now && now.revision > S.revision && !S.saving && !painter.pending && (!before || before.revision !== now.revision)) {
      // another tab saved this keyframe. Saving waits while its strokes load: a stroke ended
      // meanwhile goes on top of them, and is saved once, on their revision.
      S.saving = true;
      try {
        await loadStrokes(true);
        say("this keyframe was changed in another tab: its strokes were loaded", true);
      } finally {
        S.saving = false;
        S.saveAgain = false;
        if (painter.pending) changed();
        else if (S.keyframes[S.frame]) loadFilled();
      }
    }
    if (S.unsaved && !S.saving) {
      // the studio answers again (restarted, say): what it did not take is saved now
      S.unsaved = false;
      save();
    }
    const busy = !state.scan.finished || (state.render && !state.render.finished);
    setTimeout(poll, busy ? 400 : 1500);
  } catch (error) {
    say(
      error.status === 403
        ? "the studio running now does not know this page (it was started on another keyframes folder): open the address it printed"
        : `the studio does not answer (${error.message}); is it still running?`,
    );
    setTimeout(poll, 3000);
  }
}

// The shots of a state from the server; all of them anew after a correction (this tab's or another's).
function takeShots(state) {
  const corrected = state.shot_edits !== S.shotEdits;
  if (corrected) S.shots = [];
  for (const shot of state.shots) S.shots[shot.n] = { first: shot.first, end: shot.end };
  S.shots.length = state.shot_count;
  S.shotEdits = state.shot_edits;
  S.unkeyed = new Set(state.unkeyed);
  S.setups = state.setups;
  S.borrowing = state.borrowing;
  if (corrected && S.frame !== null) S.shot = shotOf(S.frame);
}

// ---- the rest: what the strokes do not reach ---------------------------------------------------

// The rest as the studio has it (this tab's choice or another's): the radio buttons follow, and
// the keyframe's fill is made again with it when it changed.
function takeRest(rest) {
  const before = S.rest;
  S.rest = rest;
  for (const radio of document.querySelectorAll('input[name="rest"]')) radio.checked = radio.value === rest;
  if (before !== null && before !== rest) refill();
}

async function chooseRest(rest) {
  try {
    const state = await json("POST", "/api/rest", { rest });
    takeRest(state.rest);
    say(`where the strokes do not reach: ${rest === "automatic" ? "the automatic colour" : "gray"}, for every keyframe (saved in keyframes.json)`, true);
  } catch (error) {
    say(error.message);
    takeRest(S.rest); // the buttons back as the studio has it
  }
}

// The keyframe's fill shown again (the rest changed): its strokes not saved yet by the quick fill, else the saved one's.
function refill() {
  if (S.frame === null || S.loaded !== S.frame) return;
  S.fine = null;
  if (painter.pending) sketch();
  else if (S.keyframes[S.frame]) loadFilled();
}

// ---- correcting the shots ----------------------------------------------------------------------

// A false cut: the shot shown joins the one before it (its keyframes with it).
async function mergeShot() {
  const n = S.shot;
  await correctShots(`/api/shots/${n}/merge`, undefined, `shot ${n + 1} joined shot ${n}`);
}

// A missed cut: a new shot starts at the frame shown.
async function splitShot() {
  const frame = Number($("scrubber").value);
  if (await correctShots("/api/shots/split", { frame }, `a new shot starts at frame ${frame}`)) selectShot(shotOf(frame));
}

// The colourist's correction of the setups: the shot shown joins another's setup, or leaves its own.
async function joinSetup() {
  const n = S.shot;
  const other = Number($("join-setup").value);
  $("join-setup").value = "";
  await correctShots(`/api/shots/${n}/setup`, { with: other }, `shot ${n + 1} joined the setup of shot ${other + 1}`);
}

async function leaveSetup() {
  const n = S.shot;
  await correctShots(`/api/shots/${n}/setup`, { with: null }, `shot ${n + 1} was taken out of its setup`);
}

async function correctShots(path, body, done) {
  try {
    const state = await json("POST", path, body);
    S.keyframes = state.keyframes;
    takeShots(state);
    drawShots();
    drawShotControls();
    say(`${done}: saved in keyframes.json`, true);
    return true;
  } catch (error) {
    say(error.message);
    return false;
  }
}

// ---- the keyframe ------------------------------------------------------------------------------

function selectShot(n) {
  S.shot = n;
  const keys = keysOf(n);
  openFrame(keys.length ? keys[0] : S.shots[n].first);
  drawShots();
}

function drawShotControls() {
  const shot = S.shots[S.shot];
  const last = (shot.end ?? S.film.frames) - 1;
  const scrub = $("scrubber");
  scrub.min = shot.first;
  scrub.max = Math.max(shot.first, last);
  const keys = $("keys");
  const frames = keysOf(S.shot);
  keys.replaceChildren(
    ...frames.map((f) => {
      const b = document.createElement("button");
      b.textContent = `keyframe ${f}`;
      b.className = f === S.frame ? "current" : "";
      b.addEventListener("click", () => openFrame(f));
      return b;
    }),
  );
  if (S.shown !== null) scrub.value = S.shown; // (after its range: a range input keeps its value within it)
  const join = $("join-setup");
  const others = S.shots.map((_, m) => m).filter((m) => m !== S.shot);
  if (join.options.length !== others.length + 1 || join.dataset.shot !== String(S.shot)) {
    join.dataset.shot = S.shot;
    join.replaceChildren(new Option("join the setup of…", ""), ...others.map((m) => new Option(`shot ${m + 1}`, m)));
  }
  join.disabled = !S.scanFinished;
  $("leave-setup").disabled = !S.scanFinished || !S.setups.some((g) => g.includes(S.shot));
  const shown = S.shown ?? S.frame;
  $("frame-info").textContent = `Shot ${S.shot + 1} of ${S.shots.length}${S.scanFinished ? "" : "+"} · frame ${shown} (${seconds(shown)}) · ${frameState(shown)}`;
}

// What the frame on screen is, for the header: the keyframe being painted, or another frame.
function frameState(shown) {
  const k = S.keyframes[shown];
  if (S.frame === null || S.loaded !== S.frame) return "loading…";
  if (shown !== S.frame) return `${k ? "another keyframe" : "not a keyframe"}: “Paint on this frame” to paint on it (keyframe ${S.frame} stays as it is)`;
  return k ? `keyframe (revision ${k.revision}, ${k.kind ?? "reading"})` : "not a keyframe yet: paint on it to make it one";
}

// Painting only on the keyframe shown, once its strokes are in: elsewhere the cursor is not a
// brush, the header names the frame shown, and a stroke begun there is refused with the reason.
function drawPaintable() {
  const on = S.frame !== null && S.loaded === S.frame && S.shown === S.frame;
  painter.enabled = on;
  $("main-view").classList.toggle("off", !on);
  drawUndo();
  if (S.shot !== null) drawShotControls();
}

function refused() {
  const k = S.keyframes[S.shown];
  if (S.loaded !== S.frame || S.shown === S.frame) say("the keyframe is loading: paint on it in a moment", true);
  else if (k) say(`frame ${S.shown} is another keyframe: click “Paint on this frame” to paint on it`);
  else say(`frame ${S.shown} is not a keyframe: click “Paint on this frame” to make it one and paint on it`);
}

function drawUndo() {
  $("undo").disabled = !painter.enabled || !painter.ops.length;
  $("redo").disabled = !painter.enabled || !painter.undone.length;
}

// Ctrl+Z / Ctrl+Y: as the buttons, and a word where there is nothing to do.
function undoKey(redo) {
  if (!painter.enabled) refused();
  else if (redo ? painter.redo() : painter.undo()) changed();
  else say(`nothing to ${redo ? "redo" : "undo"} on this keyframe`, true);
}

async function openFrame(frame) {
  layout();
  S.opening = frame;
  S.loaded = null; // no painting until its strokes are in: a stroke painted before would be lost
  drawPaintable();
  await saveBeforeLeaving();
  if (S.opening !== frame) return; // another frame was asked for meanwhile
  S.frame = frame;
  S.shown = frame;
  S.shot = shotOf(frame);
  $("scrubber").value = frame;
  $("scrub-text").textContent = `frame ${frame}`;
  for (const key of ["gray", "filled", "auto"]) S.urls[key] = null;
  S.autoBlob = null;
  const gray = await picture(`/api/frames/${frame}/gray.jpg?w=${displayWidth()}`);
  if (S.frame !== frame) return;
  S.urls.gray = gray.url;
  showIn($("side"), gray.url);
  await loadStrokes();
  if (S.frame !== frame) return;
  painter.setGray(await imageOf(gray.blob)); // what the edge-aware brush reads, at the keyframe's size
  if (S.frame !== frame) return;
  S.loaded = frame;
  drawPaintable();
  drawShots();
  await showView();
  if (S.keyframes[frame]) await loadFilled();
}

// A change not saved yet (a stroke ended a moment ago, its quick fill on its way) is saved to
// the frame it was painted on before the painter leaves it: never lost, never put on another.
async function saveBeforeLeaving() {
  for (let tries = 0; tries < 3 && (S.saving || painter.pending); ) {
    if (S.saving) {
      await new Promise((resolve) => setTimeout(resolve, 30));
    } else {
      tries++;
      await save();
    }
  }
}

// The keyframe's saved strokes; `keep`: strokes painted here and not saved yet go on top of
// them (another tab saved meanwhile), else painting goes on from them with the keyframe's undo
// history, where the browser kept it at this revision (a reload, or back to this keyframe).
async function loadStrokes(keep = false) {
  const frame = S.frame;
  const { image, blob, revision } = await strokesOf(frame);
  const kept = keep ? null : await recall(frame, revision).catch(() => null); // none kept, or no IndexedDB
  if (S.frame !== frame) return;
  S.revision = revision;
  S.base = kept ? kept.blob : blob;
  if (keep) painter.rebase(image);
  else if (kept) painter.restore(kept.base, kept.ops, kept.undone, S.film.width, S.film.height);
  else painter.load(image, S.film.width, S.film.height);
}

// Keyframe `frame`'s saved strokes: { image, blob, revision }.
async function strokesOf(frame) {
  const strokes = await picture(`/api/keyframes/${frame}/strokes.png`);
  return { image: await imageOf(strokes.blob), blob: strokes.blob, revision: Number(strokes.headers.get("X-Revision")) };
}

// The keyframe's box: as large as the stage allows, at most 62% of the window's height, the
// film's shape (two boxes side by side share the width).
function layout() {
  if (!S.film) return;
  const views = $("side-by-side").checked ? 2 : 1;
  const room = ($("stage").clientWidth - 8 * (views - 1)) / views;
  const aspect = S.film.width / S.film.height;
  const width = Math.floor(Math.min(room, window.innerHeight * 0.62 * aspect));
  for (const id of ["main-view", "side-view"]) {
    $(id).style.width = `${width}px`;
    $(id).style.height = `${Math.round(width / aspect)}px`;
  }
}

function displayWidth() {
  const shown = $("main-view").clientWidth * (window.devicePixelRatio || 1);
  return Math.max(160, Math.min(S.film.width, Math.round(shown)));
}

// The keyframe filled from its saved strokes (on opening it): the quick fill, then the render's.
async function loadFilled() {
  const frame = S.frame;
  const revision = S.revision;
  const coarse = await picture(`/api/keyframes/${frame}/filled.jpg?w=${displayWidth()}`);
  if (S.frame !== frame || S.revision !== revision) return;
  S.urls.filled = coarse.url;
  if (S.view === "filled") await show(coarse.url);
  if (coarse.headers.get("X-Fill") === "coarse") await loadFine(frame, revision, painter.edits);
  else $("fill-text").textContent = "filled as the render fills it";
}

// The render's own fill of revision `revision`, shown if nothing was changed since (`edits`).
async function loadFine(frame, revision, edits) {
  $("fill-text").textContent = "quick fill; the render's own fill follows…";
  const fine = await picture(`/api/keyframes/${frame}/filled.jpg?w=${displayWidth()}&fine=1`);
  if (S.frame !== frame || S.revision !== revision || painter.edits !== edits || fine.headers.get("X-Fill") !== "fine") return;
  S.fine = `${frame}:${edits}`;
  S.urls.filled = fine.url;
  if (S.view === "filled") await show(fine.url);
  $("fill-text").textContent = "filled as the render fills it";
}

// The quick fill of the strokes as they are now, from a copy at the working size (nothing is
// saved by it): shown as soon as a stroke ends.
async function sketch() {
  if (S.sketching) {
    S.sketchAgain = true;
    return;
  }
  S.sketching = true;
  const frame = S.frame;
  const edits = painter.edits;
  const since = S.strokeAt;
  try {
    const blob = await painter.smallPng(S.film.work[0], S.film.work[1]);
    const response = await request("POST", `/api/keyframes/${frame}/sketch?w=${displayWidth()}`, blob, { "Content-Type": "image/png" });
    if (!response.ok) throw new Error((await response.json().catch(() => ({}))).error || response.status);
    const shown = URL.createObjectURL(await response.blob());
    if (S.frame === frame && painter.edits === edits) {
      if (S.fine !== `${frame}:${edits}`) {
        // (else the render's own fill of the same strokes came first, and stays)
        S.urls.filled = shown;
        if (S.view === "filled") await show(shown);
        $("fill-text").textContent = "quick fill; the render's own fill follows…";
      }
      if (since) window.studio.timings.push(performance.now() - since);
    }
  } catch (error) {
    say(`no quick fill: ${error.message}`);
  } finally {
    S.sketching = false;
    if (S.sketchAgain) {
      S.sketchAgain = false;
      sketch();
    }
  }
}

async function show(src) {
  await showIn($("base"), src);
}

// An <img> shown only once its picture is in: never a broken picture's icon (before the first
// shot, or where one failed). A picture asked for later than `src` has the last word.
async function showIn(img, src) {
  img.src = src;
  const ok = await img.decode().then(
    () => true,
    () => false,
  );
  if (img.src === src) img.hidden = !ok;
}

async function showView() {
  const strokes = $("strokes");
  strokes.className = S.view === "strokes" ? "" : "faint";
  if (S.view === "filled") {
    await show(S.urls.filled || S.urls.gray);
  } else if (S.view === "auto") {
    await show(await autoUrl());
  } else {
    await show(S.urls.gray);
  }
  $("side-view").hidden = !$("side-by-side").checked;
  layout();
}

async function autoUrl() {
  if (!S.urls.auto) {
    $("fill-text").textContent = "computing the automatic colour…";
    const auto = await picture(`/api/frames/${S.frame}/auto.jpg`);
    S.urls.auto = auto.url;
    S.autoBlob = auto.blob;
    $("fill-text").textContent = "";
  }
  return S.urls.auto;
}

// ---- painting ----------------------------------------------------------------------------------

// An operation ended (a stroke, the eraser, a clear, the automatic colour put on): fill it at
// once, save it. A brush stroke's colour joins the film's swatches.
function stroked(op) {
  S.strokeAt = performance.now();
  if ((op.kind === "line" || op.kind === "patch") && !op.erase && !op.gray) remember(op.colour);
  changed();
}

async function changed() {
  await sketch(); // the quick fill first: the full-size save would only slow it
  save();
}

async function save() {
  if (S.saving) {
    S.saveAgain = true;
    return;
  }
  if (!painter.pending) return; // saved already: a stroke and a reload may both ask
  S.saving = true;
  const frame = S.frame;
  try {
    const { blob, held } = await painter.png();
    const response = await request("PUT", `/api/keyframes/${frame}/strokes`, blob, {
      "Content-Type": "image/png",
      "X-Base-Revision": String(S.revision),
      "X-Swatch": painter.unsavedColours().join(","),
    });
    const data = await response.json().catch(() => ({}));
    if (response.status === 409) {
      // another tab saved this keyframe: take its strokes, put ours on top, save again
      const strokes = await strokesOf(frame);
      S.revision = strokes.revision;
      S.base = strokes.blob;
      painter.rebase(strokes.image);
      sketch();
      say("another tab changed this keyframe: its strokes were loaded and yours put on top", true);
      S.saveAgain = true;
    } else if (!response.ok) {
      say(`not saved: ${data.error || response.status}`);
      S.unsaved = response.status === 403; // another studio on this port: saved again once this one answers
    } else if (S.frame === frame) {
      S.revision = data.revision;
      painter.markSaved(held);
      S.keyframes[frame] = { revision: data.revision, kind: data.kind }; // the badge says it at once
      drawShotControls();
      drawShots();
      if (!painter.pending) {
        keepHistory(frame, data.revision);
        loadFine(frame, data.revision, held.edits); // else the next save fetches it
      }
    }
  } catch (error) {
    say(`not saved: ${error.message}`);
    S.unsaved = true; // the studio did not answer: saved once it does
  } finally {
    S.saving = false;
    if (S.saveAgain) {
      S.saveAgain = false;
      save();
    }
  }
}

// The keyframe's undo history as just saved, kept with it (a reload, or coming back to it, goes on from it).
function keepHistory(frame, revision) {
  keep(frame, revision, S.base, painter.ops, painter.undone).catch((error) => say(`undo will not outlast a reload here: ${error.message}`));
}

function remember(colour) {
  colour = colour.toLowerCase();
  S.swatches = [colour, ...S.swatches.filter((c) => c !== colour)].slice(0, 16);
  drawSwatches();
}

function drawSwatches() {
  $("swatches").replaceChildren(
    ...S.swatches.map((c) => {
      const b = document.createElement("button");
      b.className = "swatch";
      b.style.background = c;
      b.title = c;
      b.addEventListener("click", () => setColour(c));
      return b;
    }),
  );
}

function setColour(c) {
  $("colour").value = c;
  painter.colour = c;
}

function hex(data) {
  return "#" + [data[0], data[1], data[2]].map((v) => v.toString(16).padStart(2, "0")).join("");
}

// Take the colour under point p (in frame pixels) of the picture shown.
async function pick(p) {
  const base = $("base");
  const c = document.createElement("canvas");
  c.width = base.naturalWidth;
  c.height = base.naturalHeight;
  const ctx = c.getContext("2d");
  ctx.drawImage(base, 0, 0);
  const x = Math.floor((p[0] / S.film.width) * c.width);
  const y = Math.floor((p[1] / S.film.height) * c.height);
  setColour(hex(ctx.getImageData(x, y, 1, 1).data));
  say(`colour ${$("colour").value} taken from the ${S.view === "auto" ? "automatic colour" : S.view} view`, true);
}

// ---- preview -----------------------------------------------------------------------------------

async function startPreview() {
  if (S.preview?.timer) clearInterval(S.preview.timer);
  try {
    const p = await json("POST", "/api/previews", { frame: S.frame });
    S.preview = { ...p, frames: [], k: 0, timer: null, finished: false };
    $("preview-img").hidden = true; // until its first frame is in
    $("preview-scrub").max = p.stop - p.start - 1;
    $("preview-scrub").value = 0;
    $("preview-scrub").disabled = false;
    $("play").disabled = false;
    pollPreview(S.preview);
  } catch (error) {
    say(error.message);
  }
}

async function pollPreview(preview) {
  if (S.preview !== preview) return;
  const state = await json("GET", `/api/previews/${preview.id}`);
  while (preview.frames.length < state.ready) {
    const k = preview.frames.length;
    preview.frames.push((await picture(`/api/previews/${preview.id}/${k}.jpg`)).url);
    if (k === 0) showPreviewFrame(0);
  }
  preview.finished = state.finished;
  const total = preview.stop - preview.start;
  $("preview-text").textContent = state.error
    ? `preview stopped: ${state.error}`
    : state.finished
      ? `frames ${preview.start}-${preview.stop - 1} carried in ${state.seconds} s (at a preview size; gray where the render would use the automatic colour)`
      : `carrying the colour… ${state.ready} of ${total} frames`;
  if (!state.finished) setTimeout(() => pollPreview(preview), 250);
}

function showPreviewFrame(k) {
  const p = S.preview;
  if (!p || !p.frames[k]) return false;
  p.k = k;
  showIn($("preview-img"), p.frames[k]);
  $("preview-scrub").value = k;
  return true;
}

function play() {
  const p = S.preview;
  if (!p) return;
  if (p.timer) {
    clearInterval(p.timer);
    p.timer = null;
    $("play").textContent = "Play";
    return;
  }
  if (p.k >= p.stop - p.start - 1) p.k = -1;
  $("play").textContent = "Pause";
  p.timer = setInterval(() => {
    const next = p.k + 1;
    if (next >= p.stop - p.start) {
      clearInterval(p.timer);
      p.timer = null;
      $("play").textContent = "Play";
      return;
    }
    showPreviewFrame(next); // waits (shows the last) while the frame is not carried yet
  }, 1000 / S.film.rate);
}

// ---- render ------------------------------------------------------------------------------------

function drawRender(render) {
  S.render = render;
  const bar = $("render-bar");
  const text = $("render-text");
  if (!render) return;
  const running = !render.finished;
  $("render").textContent = running ? "Stop render" : "Render film";
  bar.hidden = !running;
  bar.value = render.total ? render.done / render.total : 0;
  if (running) {
    const step = render.step === "finding shots" ? "preparing (finding the shots)" : render.step;
    text.textContent = `${step}: ${render.done}/${render.total || "?"} frames, ${render.seconds} s -> ${render.output}`;
  } else if (render.error) {
    text.textContent = `render stopped: ${render.error}`;
  } else {
    const borrowed = render.borrowing ? `; ${render.borrowing}` : "";
    text.textContent = `rendered in ${render.seconds} s -> ${render.output}${borrowed}`;
  }
  text.title = text.textContent; // the header's one line cuts a long path short: the whole of it here
}

async function renderFilm() {
  try {
    if (S.render && !S.render.finished) drawRender(await json("DELETE", "/api/render"));
    else drawRender(await json("POST", "/api/render"));
    setTimeout(poll, 300);
  } catch (error) {
    say(error.message);
  }
}

// ---- wiring ------------------------------------------------------------------------------------

function wire() {
  for (const radio of document.querySelectorAll('input[name="tool"]')) {
    radio.addEventListener("change", () => (painter.tool = radio.value));
  }
  for (const radio of document.querySelectorAll('input[name="view"]')) {
    radio.addEventListener("change", () => {
      S.view = radio.value;
      showView();
    });
  }
  for (const radio of document.querySelectorAll('input[name="rest"]')) {
    radio.addEventListener("change", () => radio.checked && chooseRest(radio.value));
  }
  $("side-by-side").addEventListener("change", showView);
  $("size").addEventListener("input", () => {
    painter.size = Number($("size").value);
    $("size-text").textContent = `${painter.size} px`;
  });
  $("colour").addEventListener("input", () => (painter.colour = $("colour").value));
  $("snap").addEventListener("change", () => (painter.snap = $("snap").checked));
  $("undo").addEventListener("click", () => painter.undo() && changed());
  $("redo").addEventListener("click", () => painter.redo() && changed());
  $("clear").addEventListener("click", () => painter.clear());
  $("from-auto").addEventListener("click", async () => {
    if (!painter.enabled) return refused();
    const frame = S.frame;
    await autoUrl();
    const image = await imageOf(S.autoBlob);
    if (S.frame === frame) painter.paste(image, S.autoBlob); // (else another keyframe was opened meanwhile)
  });
  $("scrubber").addEventListener("input", async () => {
    // looking through the shot: the keyframe being painted stays as it is until "Paint on this frame"
    const frame = Number($("scrubber").value);
    S.shown = frame;
    drawPaintable();
    $("scrub-text").textContent = frame === S.frame ? `frame ${frame} (painting here)` : `frame ${frame}: Paint on this frame to make it a keyframe`;
    if (frame === S.frame) {
      showView();
      return;
    }
    const gray = await picture(`/api/frames/${frame}/gray.jpg?w=${Math.min(480, displayWidth())}`);
    if (S.shown === frame && frame !== S.frame) {
      showIn($("base"), gray.url);
      $("strokes").className = "hidden";
    }
  });
  $("make-key").addEventListener("click", () => openFrame(Number($("scrubber").value)));
  $("merge").addEventListener("click", mergeShot);
  $("join-setup").addEventListener("change", () => $("join-setup").value !== "" && joinSetup());
  $("leave-setup").addEventListener("click", leaveSetup);
  $("split").addEventListener("click", splitShot);
  $("preview").addEventListener("click", startPreview);
  $("play").addEventListener("click", play);
  $("preview-scrub").addEventListener("input", () => showPreviewFrame(Number($("preview-scrub").value)));
  $("render").addEventListener("click", renderFilm);
  document.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT" && e.target.type !== "range") return;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") {
      e.preventDefault();
      undoKey(e.shiftKey);
    } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "y") {
      e.preventDefault();
      undoKey(true);
    }
  });
  const drop = $("reference");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const file = e.dataTransfer.files[0];
    if (file) reference(file);
  });
}

// A reference picture dropped in: shown here, never sent anywhere; Pick colour takes from it.
async function reference(file) {
  const bitmap = await createImageBitmap(file);
  const canvas = $("reference-canvas");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  canvas.getContext("2d").drawImage(bitmap, 0, 0);
  canvas.hidden = false;
  const box = $("reference");
  box.replaceChildren(canvas);
  canvas.addEventListener("click", (e) => {
    const r = canvas.getBoundingClientRect();
    const x = Math.floor(((e.clientX - r.left) / r.width) * canvas.width);
    const y = Math.floor(((e.clientY - r.top) / r.height) * canvas.height);
    setColour(hex(canvas.getContext("2d").getImageData(x, y, 1, 1).data));
    say(`colour ${$("colour").value} taken from the reference picture`, true);
  });
}

wire();
drawPaintable(); // nothing to paint on before the first keyframe is in
window.addEventListener("resize", layout);
poll().then(() => {
  layout();
  const size = Math.max(2, Math.round(S.film.width / 50));
  $("size").max = Math.max(40, Math.round(S.film.width / 6));
  $("size").value = size;
  painter.size = size;
  $("size-text").textContent = `${size} px`;
});
