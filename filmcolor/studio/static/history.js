// Each keyframe's undo history, kept in the browser (IndexedDB) with the keyframe: the strokes
// it started from and the operations painted on them since, as they were at its last save.
// Coming back to the keyframe, or reloading the page, takes it up again, so Undo goes on where
// it was; only while the keyframe is still at that revision (another tab's save since starts a
// new history from the strokes that tab saved).
import { imageOf, token } from "./api.js";

const STORE = "history";
let database = null;

function opened() {
  database ??= new Promise((resolve, reject) => {
    const request = indexedDB.open("filmcolor-studio", 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return database;
}

// The studio's token is kept with its keyframes folder: keyframe 12 of another folder (another
// film on the same port) is never taken for this one's.
function key(frame) {
  return `${token}/${frame}`;
}

async function run(mode, work) {
  const store = (await opened()).transaction(STORE, mode).objectStore(STORE);
  return new Promise((resolve, reject) => {
    const request = work(store);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

// A picture operation is kept as its file (an <img> cannot be stored), an edge-aware stroke as
// its pixels (a canvas cannot be stored either), a stroke as it is.
function stored(op) {
  if (op.kind === "patch") return { ...op, image: undefined, pixels: op.image.getContext("2d").getImageData(0, 0, op.image.width, op.image.height) };
  return op.kind === "image" ? { kind: "image", blob: op.blob } : op;
}

async function live(op) {
  if (op.kind === "patch") {
    const image = document.createElement("canvas");
    image.width = op.pixels.width;
    image.height = op.pixels.height;
    image.getContext("2d").putImageData(op.pixels, 0, 0);
    return { ...op, image, pixels: undefined };
  }
  return op.kind === "image" ? { ...op, image: await imageOf(op.blob) } : op;
}

// Keep keyframe `frame`'s history as saved at `revision`: `base` the file of the strokes it
// started from, `ops` painted on them (all saved), `undone` what redo puts back.
export async function keep(frame, revision, base, ops, undone) {
  const record = { revision, base, ops: ops.map(stored), undone: undone.map(stored) };
  await run("readwrite", (store) => store.put(record, key(frame)));
}

// Keyframe `frame`'s history kept at `revision` ({ blob, base, ops, undone }, pictures decoded),
// or null: none kept, or the keyframe changed since.
export async function recall(frame, revision) {
  const record = await run("readonly", (store) => store.get(key(frame)));
  if (!record || record.revision !== revision) return null;
  const [base, ops, undone] = await Promise.all([
    imageOf(record.base),
    Promise.all(record.ops.map(live)),
    Promise.all(record.undone.map(live)),
  ]);
  return { blob: record.base, base, ops, undone };
}
