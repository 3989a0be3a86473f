// The strokes layer of one keyframe: a canvas at the frame's own size, painted with the brush
// or the eraser. It is a base picture (the strokes saved before, or the automatic colour)
// with a list of operations on top, so undo and redo redraw, and strokes painted while another
// tab saved the keyframe can be put on top of that tab's strokes (`rebase`). The base and the
// operations are the keyframe's undo history: the page keeps them with the keyframe (`restore`).
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
    this.current = { kind: "line", erase: this.tool === "eraser", size: this.size, colour: this.colour, points: [p] };
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
    const op = this.current;
    this.current = null;
    this.push(op);
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

  drawOp(op) {
    const { ctx, canvas } = this;
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
    for (let i = 1; i < op.points.length; i++) this.drawSegment(op, op.points[i - 1], op.points[i]);
  }

  drawSegment(op, a, b) {
    const { ctx } = this;
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
    const colours = this.ops.slice(this.saved).filter((op) => op.kind === "line" && !op.erase).map((op) => op.colour.toLowerCase());
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
