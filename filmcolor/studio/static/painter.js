// The strokes layer of one keyframe: a canvas at the frame's own size, painted with the brush
// or the eraser. It is a base picture (the strokes saved before, or the automatic colour)
// with a list of operations on top, so undo and redo redraw, and strokes painted while another
// tab saved the keyframe can be put on top of that tab's strokes (`rebase`). The base and the
// operations are the keyframe's undo history: the page keeps them with the keyframe (`restore`).
// The keep-gray brush's paint: no colour (R = G = B), saved as a stroke like the others, so the
// fill keeps what it covers gray and the render reads it so.
export const GRAY = "#808080";
const SNAP_MIN = 10; // codes: the edge-aware brush keeps at least the pixels this near the stroke's median luma
const SNAP_MAX = 40; // and at most those this near, however textured the region

export class Painter {
  constructor(canvas, { onStroke, onPick, onRefused, onHistory }) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d", { willReadFrequently: false });
    this.onStroke = onStroke;
    this.onPick = onPick;
    this.onRefused = onRefused; // a stroke begun while painting is off: the page says why
    this.onHistory = onHistory; // what undo and redo can do changed
    this.tool = "brush";
    this.size = 12;
    this.colour = "#c0392b";
    this.base = null;
    this.ops = [];
    this.undone = [];
    this.saved = 0; // ops already in the server's copy
    this.edits = 0; // changes made to the strokes (a stroke, undo, redo...): what a save is of
    this.savedEdits = 0; // the changes the server's copy holds
    this.current = null;
    this.enabled = true;
    this.snap = false; // the edge-aware brush: a stroke keeps only the pixels of the region under it
    this.luma = null; // the gray frame's luma at the canvas' size (Uint8Array), what snapping reads
    canvas.addEventListener("pointerdown", (e) => this.down(e));
    canvas.addEventListener("pointermove", (e) => this.move(e));
    canvas.addEventListener("pointerup", (e) => this.up(e));
    canvas.addEventListener("pointercancel", (e) => this.up(e));
  }

  // Start over on a keyframe of width x height whose saved strokes are `base` (an image or null).
  load(base, width, height) {
    this.restore(base, [], [], width, height);
  }

  // Start over on a keyframe whose saved strokes are `base` with `ops` on top (all of them saved),
  // `undone` what redo puts back: the keyframe's history, as it was when it was last saved.
  restore(base, ops, undone, width, height) {
    this.canvas.width = width;
    this.canvas.height = height;
    this.base = base;
    this.ops = ops;
    this.undone = undone;
    this.saved = ops.length;
    this.savedEdits = this.edits;
    this.redraw();
    this.onHistory();
  }

  // Another tab saved this keyframe: its strokes become the base, ours not yet saved go on top.
  rebase(base) {
    this.base = base;
    this.ops = this.ops.slice(this.saved);
    this.undone = [];
    this.saved = 0;
    if (!this.ops.length) this.savedEdits = this.edits; // nothing of ours left: the same as the server's
    this.redraw();
    this.onHistory();
  }

  point(e) {
    const r = this.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * this.canvas.width, ((e.clientY - r.top) / r.height) * this.canvas.height];
  }

  down(e) {
    if (e.button !== 0) return;
    if (!this.enabled) {
      this.onRefused();
      return;
    }
    const p = this.point(e);
    if (this.tool === "pick") {
      this.onPick(p);
      return;
    }
    this.canvas.setPointerCapture(e.pointerId);
    const gray = this.tool === "gray"; // the keep-gray brush: strokes of no colour
    this.current = { kind: "line", erase: this.tool === "eraser", gray, size: this.size, colour: gray ? GRAY : this.colour, points: [p] };
    this.drawOp(this.current);
  }

  move(e) {
    if (!this.current) return;
    const p = this.point(e);
    const last = this.current.points[this.current.points.length - 1];
    if (Math.hypot(p[0] - last[0], p[1] - last[1]) < 0.5) return;
    this.current.points.push(p);
    this.drawSegment(this.current, last, p);
  }

  up(e) {
    if (!this.current) return;
    let op = this.current;
    this.current = null;
    const snap = this.snap && !op.erase && this.luma;
    this.push(snap ? this.snapped(op) : op, snap); // a snapped stroke is drawn anew, as it is kept
  }

  // The gray frame (an image of any size) the edge-aware brush reads, as luma at the canvas' size.
  setGray(image) {
    const c = document.createElement("canvas");
    c.width = this.canvas.width;
    c.height = this.canvas.height;
    const g = c.getContext("2d", { willReadFrequently: true });
    g.drawImage(image, 0, 0, c.width, c.height);
    const rgba = g.getImageData(0, 0, c.width, c.height).data;
    this.luma = new Uint8Array(c.width * c.height);
    for (let i = 0; i < this.luma.length; i++) this.luma[i] = rgba[4 * i];
  }

  // A stroke of the edge-aware brush: only its pixels whose luma is near the median of the luma
  // under it (the region it was meant for: most of a stroke is on its object) are kept, so a
  // stroke drawn a little over an edge does not colour the neighbour. Its bounding box, as a
  // picture, is what is drawn from then on (undo and redo redraw it).
  snapped(op) {
    const pad = op.size / 2 + 2;
    const xs = op.points.map((p) => p[0]);
    const ys = op.points.map((p) => p[1]);
    const x0 = Math.max(0, Math.floor(Math.min(...xs) - pad));
    const y0 = Math.max(0, Math.floor(Math.min(...ys) - pad));
    const x1 = Math.min(this.canvas.width, Math.ceil(Math.max(...xs) + pad));
    const y1 = Math.min(this.canvas.height, Math.ceil(Math.max(...ys) + pad));
    const w = x1 - x0;
    const h = y1 - y0;
    if (w <= 0 || h <= 0) return op;
    const patch = document.createElement("canvas");
    patch.width = w;
    patch.height = h;
    const g = patch.getContext("2d", { willReadFrequently: true });
    g.translate(-x0, -y0);
    this.drawOp(op, g);
    const image = g.getImageData(0, 0, w, h);
    const px = image.data;
    const values = [];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) if (px[4 * (y * w + x) + 3] > 0) values.push(this.luma[(y0 + y) * this.canvas.width + x0 + x]);
    }
    if (!values.length) return op;
    values.sort((a, b) => a - b);
    const median = values[values.length >> 1];
    const spread = values.map((v) => Math.abs(v - median)).sort((a, b) => a - b)[values.length >> 1];
    const near = Math.min(SNAP_MAX, Math.max(SNAP_MIN, 2.5 * spread)); // codes of luma from the median that are the region's
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (Math.abs(this.luma[(y0 + y) * this.canvas.width + x0 + x] - median) > near) px[4 * i + 3] = 0;
      }
    }
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.putImageData(image, 0, 0);
    return { kind: "patch", gray: op.gray, colour: op.colour, x: x0, y: y0, image: patch };
  }

  // A picture over the whole keyframe (the automatic colour as a start; `blob` its file, for the
  // history kept with the keyframe), undoable like a stroke.
  paste(image, blob) {
    if (!this.enabled) return this.onRefused();
    this.push({ kind: "image", image, blob }, true);
  }

  clear() {
    if (!this.enabled) return this.onRefused();
    this.push({ kind: "clear" }, true);
  }

  // A new operation ends (`draw`: it is not on the canvas yet): what redo could put back is gone.
  push(op, draw = false) {
    this.ops.push(op);
    this.undone = [];
    this.edits++;
    if (draw) this.redraw();
    this.onHistory();
    this.onStroke(op);
  }

  undo() {
    if (!this.enabled || !this.ops.length) return false;
    this.undone.push(this.ops.pop());
    this.saved = Math.min(this.saved, this.ops.length);
    this.edits++;
    this.redraw();
    this.onHistory();
    return true;
  }

  redo() {
    if (!this.enabled || !this.undone.length) return false;
    this.ops.push(this.undone.pop());
    this.edits++;
    this.redraw();
    this.onHistory();
    return true;
  }

  redraw() {
    const { ctx, canvas } = this;
    ctx.globalCompositeOperation = "source-over";
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (this.base) ctx.drawImage(this.base, 0, 0, canvas.width, canvas.height);
    for (const op of this.ops) this.drawOp(op);
    if (this.current) this.drawOp(this.current); // a stroke still being painted
  }

  drawOp(op, ctx = this.ctx) {
    const { canvas } = this;
    if (op.kind === "patch") {
      ctx.globalCompositeOperation = "source-over";
      ctx.drawImage(op.image, op.x, op.y);
      return;
    }
    if (op.kind === "image") {
      ctx.globalCompositeOperation = "source-over";
      ctx.drawImage(op.image, 0, 0, canvas.width, canvas.height);
      return;
    }
    if (op.kind === "clear") {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      return;
    }
    const [x, y] = op.points[0];
    ctx.globalCompositeOperation = op.erase ? "destination-out" : "source-over";
    ctx.fillStyle = op.colour;
    ctx.beginPath();
    ctx.arc(x, y, op.size / 2, 0, Math.PI * 2);
    ctx.fill();
    for (let i = 1; i < op.points.length; i++) this.drawSegment(op, op.points[i - 1], op.points[i], ctx);
  }

  drawSegment(op, a, b, ctx = this.ctx) {
    ctx.globalCompositeOperation = op.erase ? "destination-out" : "source-over";
    ctx.strokeStyle = op.colour;
    ctx.lineWidth = op.size;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(a[0], a[1]);
    ctx.lineTo(b[0], b[1]);
    ctx.stroke();
  }

  // The strokes as a PNG, and what it holds (to mark it saved once it is): how many operations,
  // and after which change.
  async png() {
    const held = { count: this.ops.length, edits: this.edits };
    const blob = await new Promise((resolve) => this.canvas.toBlob(resolve, "image/png"));
    return { blob, held };
  }

  // The strokes scaled to width x height (the working size the fill runs at), as a PNG: small
  // and quick to make, for the quick fill while the full-size strokes are saved.
  async smallPng(width, height) {
    const small = document.createElement("canvas");
    small.width = width;
    small.height = height;
    small.getContext("2d").drawImage(this.canvas, 0, 0, width, height);
    return new Promise((resolve) => small.toBlob(resolve, "image/png"));
  }

  // The colours of the strokes not saved yet, the latest first: the film's swatches.
  unsavedColours() {
    const colours = this.ops
      .slice(this.saved)
      .filter((op) => (op.kind === "line" || op.kind === "patch") && !op.erase && !op.gray)
      .map((op) => op.colour.toLowerCase());
    return [...new Set(colours.reverse())];
  }

  markSaved({ count, edits }) {
    this.saved = Math.min(count, this.ops.length);
    this.savedEdits = edits;
  }

  // Changed since the last save: an undo of a saved stroke is a change to save too.
  get pending() {
    return this.edits !== this.savedEdits;
  }
}
