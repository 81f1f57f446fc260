/**
 * The reviewer's page (one self-contained HTML document, no external resources): the study image
 * with the boxes each model names in its reasoning, the reasoning with those boxes highlighted, the
 * answers and the truth, and the review form (Table 2's criteria and the pairwise preferences).
 */

/** Colours of the response slots (box outlines and highlighted coordinates); truth boxes are green. */
export const SLOT_COLORS = ['#E69F00', '#0072B2', '#CC79A7', '#D55E00'];
export const TRUTH_COLOR = '#009E73';

export function reviewPage(title = 'DeepMedix reasoning viewer'): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>
body{font-family:DejaVu Sans,Arial,sans-serif;margin:0;color:#222;background:#f6f6f6}
header{background:#23395d;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header input:not([type=checkbox]){width:9em}
main{display:flex;gap:16px;padding:12px 16px;align-items:flex-start}
#left{flex:0 0 auto}#right{flex:1 1 auto;min-width:380px}
canvas{background:#000;display:block;border:1px solid #999}
.card{background:#fff;border:1px solid #ddd;border-radius:4px;padding:8px 12px;margin-bottom:10px}
.think{white-space:pre-wrap;font-size:13px;line-height:1.4;max-height:260px;overflow:auto;background:#fbfbfb;padding:6px;border:1px solid #eee}
.box{font-weight:bold;padding:0 2px;border-radius:2px;color:#fff}
.answer{margin-top:4px}.warn{color:#b00}
table.form td{padding:2px 6px}h3{margin:4px 0}
#status{margin-left:auto;font-weight:bold}
.truthbox{border:2px dashed ${TRUTH_COLOR};padding:0 3px}
</style></head>
<body>
<header>
  <b>${title}</b>
  <label>Reviewer <input id="reviewer"></label>
  <label>Group <input id="group"></label>
  <button id="prev">&larr; Prev</button><span id="pos"></span><button id="next">Next &rarr;</button>
  <label><input type="checkbox" id="show-truth" checked> true boxes</label>
  <span id="status"></span>
</header>
<main>
  <div id="left"><canvas id="image" width="512" height="512"></canvas><div id="legend" style="margin-top:6px;font-size:13px"></div></div>
  <div id="right">
    <div class="card"><div><b>Task:</b> <span id="task"></span></div><div><b>Prompt:</b> <span id="prompt"></span></div>
      <div><b>Truth:</b> <span id="truth"></span></div><div id="truth-boxes" style="font-size:12px"></div></div>
    <div id="responses"></div>
    <div class="card" id="pairwise"><h3>Pairwise preference</h3><table class="form">
      <tr><td>Better grounded reasoning</td><td id="pref-grounded-cell"></td></tr>
      <tr><td>Better overall</td><td id="pref-overall-cell"></td></tr></table></div>
    <button id="submit" style="font-size:15px;padding:6px 18px">Submit review</button>
  </div>
</main>
<script>
const SLOT_COLORS = ${JSON.stringify(SLOT_COLORS)};
const TRUTH_COLOR = ${JSON.stringify(TRUTH_COLOR)};
const CRITERIA = ['relevance', 'correctness', 'completeness'];
let config = null, items = [], reviewed = new Set(), idx = 0, img = new Image();
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
function scaleLabel(v) {
  if (config.scaleMax === 1) return v === 1 ? 'yes' : 'no';
  return String(v);
}
function radios(name, values, labels) {
  return values.map((v, i) => '<label style="margin-right:8px"><input type="radio" name="' + name + '" value="' + v + '"> ' + esc(labels[i]) + '</label>').join('');
}
function highlight(text, color) {
  return esc(text).replace(/\\[\\s*-?\\d+(?:\\.\\d+)?\\s*,\\s*-?\\d+(?:\\.\\d+)?\\s*,\\s*-?\\d+(?:\\.\\d+)?\\s*,\\s*-?\\d+(?:\\.\\d+)?\\s*\\]/g,
    (m) => '<span class="box" style="background:' + color + '">' + m + '</span>');
}
function draw() {
  const it = items[idx], c = $('image'), ctx = c.getContext('2d');
  ctx.fillStyle = '#000'; ctx.fillRect(0, 0, c.width, c.height);
  if (img.complete && img.naturalWidth) ctx.drawImage(img, 0, 0, c.width, c.height);
  const s = c.width / it.frame;
  ctx.lineWidth = 3;
  ctx.setLineDash([]);
  it.responses.forEach((r, k) => {
    ctx.strokeStyle = SLOT_COLORS[k % SLOT_COLORS.length];
    for (const b of r.boxes) ctx.strokeRect(b[0] * s, b[1] * s, (b[2] - b[0]) * s, (b[3] - b[1]) * s);
  });
  if ($('show-truth').checked) {
    // truth last and dashed, so it stays visible where a model's box coincides with it
    ctx.setLineDash([8, 5]); ctx.strokeStyle = TRUTH_COLOR;
    for (const b of it.trueBoxes) ctx.strokeRect(b.box[0] * s, b.box[1] * s, (b.box[2] - b.box[0]) * s, (b.box[3] - b.box[1]) * s);
    ctx.setLineDash([]);
  }
  window.__drawn = (window.__drawn || 0) + 1;
}
function show() {
  const it = items[idx];
  $('pos').textContent = 'item ' + (idx + 1) + ' / ' + items.length + (reviewed.has(it.id) ? ' (reviewed)' : '');
  $('task').textContent = it.task + (it.questionType && it.questionType !== it.task ? ' / ' + it.questionType : '') + '  [' + it.id + ']';
  $('prompt').textContent = it.prompt;
  $('truth').textContent = it.truth;
  $('truth-boxes').innerHTML = it.trueBoxes.map((b) => '<span class="truthbox">' + esc(b.finding) + ' [' + b.box.map(Math.round).join(', ') + ']</span>').join(' ');
  $('legend').innerHTML = it.responses.map((r, k) => '<span style="color:' + SLOT_COLORS[k % SLOT_COLORS.length] + '">&#9632; ' + esc(r.label) + ' (' + r.boxes.length + ' boxes)</span>').join(' &nbsp; ') + ' &nbsp; <span style="color:' + TRUTH_COLOR + '">&#9633; truth</span>';
  const values = []; for (let v = 0; v <= config.scaleMax; v++) values.push(v);
  $('responses').innerHTML = it.responses.map((r, k) => {
    const color = SLOT_COLORS[k % SLOT_COLORS.length];
    return '<div class="card response" id="resp-' + k + '" style="border-left:6px solid ' + color + '"><h3>' + esc(r.label) + (r.wellFormatted ? '' : ' <span class="warn">(not in the expected format)</span>') + '</h3>' +
      '<div class="think">' + (r.think === null ? '<i>no &lt;think&gt; block</i>\\n' + highlight(r.text, color) : highlight(r.think, color)) + '</div>' +
      '<div class="answer"><b>Answer:</b> ' + esc(r.answer) + '</div>' +
      '<table class="form">' + CRITERIA.map((c) => '<tr><td>' + c + '</td><td>' + radios('s-' + k + '-' + c, values, values.map(scaleLabel)) + '</td></tr>').join('') + '</table></div>';
  }).join('');
  const pair = it.responses.length === 2;
  $('pairwise').style.display = pair ? '' : 'none';
  if (pair) for (const kind of ['grounded', 'overall'])
    $('pref-' + kind + '-cell').innerHTML = radios('pref-' + kind, ['0', '1', 'tie'], [it.responses[0].label, it.responses[1].label, 'tie']);
  img = new Image();
  img.onload = draw; img.onerror = () => { $('status').textContent = 'image failed to load'; draw(); };
  img.src = '/api/image/' + idx;
  draw();
}
function picked(name) { const el = document.querySelector('input[name="' + name + '"]:checked'); return el ? el.value : null; }
async function submit() {
  const it = items[idx];
  const reviewer = $('reviewer').value.trim(), group = $('group').value.trim();
  if (!reviewer || !group) { $('status').textContent = 'enter reviewer and group'; return; }
  const scores = {};
  for (let k = 0; k < it.responses.length; k++) {
    scores[k] = {};
    for (const c of CRITERIA) {
      const v = picked('s-' + k + '-' + c);
      if (v === null) { $('status').textContent = 'score ' + c + ' for ' + it.responses[k].label; return; }
      scores[k][c] = Number(v);
    }
  }
  const body = { itemId: it.id, reviewer, group, scores };
  if (it.responses.length === 2) {
    const g = picked('pref-grounded'), o = picked('pref-overall');
    if (g === null || o === null) { $('status').textContent = 'choose both preferences'; return; }
    body.preference = { grounded: g, overall: o };
  }
  localStorage.setItem('reviewer', reviewer); localStorage.setItem('group', group);
  const res = await fetch('/api/review', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const out = await res.json();
  if (!res.ok) { $('status').textContent = 'error: ' + out.error; return; }
  reviewed.add(it.id);
  $('status').textContent = 'saved (' + out.saved + ' reviews in file)';
  if (idx < items.length - 1) { idx++; show(); } else show();
}
async function start() {
  config = await (await fetch('/api/config')).json();
  items = await (await fetch('/api/items')).json();
  $('reviewer').value = localStorage.getItem('reviewer') || config.reviewer || '';
  $('group').value = localStorage.getItem('group') || config.group || '';
  for (const id of config.reviewedBy || []) reviewed.add(id);
  if (!items.length) { $('status').textContent = 'no items to review'; return; }
  $('prev').onclick = () => { if (idx > 0) { idx--; show(); } };
  $('next').onclick = () => { if (idx < items.length - 1) { idx++; show(); } };
  $('show-truth').onchange = draw;
  $('submit').onclick = submit;
  show();
  window.__ready = true;
}
start();
</script>
</body></html>
`;
}
