// The thread inspector: plain JavaScript over the API's own operations (POST /threads, /history, /state, /replay,
// /fork, /resume, /migration-dry-run), so the page sees exactly what the API shows the caller's tenant, and GET
// /inspector/graph for the graph. Everything the API returns is written with textContent, never as HTML:
// states, effects and memories are user and model text.
'use strict';

const START = '__start__';
const END = '__end__';
const $ = id => document.getElementById(id);

const view = {agent: null, thread: null, entries: [], selected: null, graph: null, cursor: null};

/** Operations on a thread name its agent; memory operations have none. */
const THREAD_OPERATIONS = new Set(['history', 'state', 'replay', 'fork', 'resume']);

/** Calls an operation; resolves to its answer, or rejects with {code, message} (the API's error shape). */
async function api(operation, body) {
  let response;
  try {
    const named = THREAD_OPERATIONS.has(operation) && view.agent ? Object.assign({agent: view.agent}, body) : body;
    response = await fetch('/' + operation, {
      method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(named)});
  } catch (e) {
    throw {code: 'UNREACHABLE', message: 'the server did not answer; is the application running?'};
  }
  let json = null;
  try {
    json = await response.json();
  } catch (e) {
    // A proxy's HTML error page or an empty body: never shown raw.
  }
  if (!response.ok || json === null || json.error) {
    const error = json && json.error ? json.error : {};
    throw {code: error.code || 'HTTP_' + response.status, message: error.message || 'the server answered ' + response.status,
      details: error.details || {}};
  }
  return json;
}

function el(tag, attributes, ...children) {
  const e = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([k, v]) => {
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  });
  children.flat().forEach(c => e.append(c instanceof Node ? c : document.createTextNode(String(c))));
  return e;
}

function clear(e) {
  while (e.firstChild) e.removeChild(e.firstChild);
  return e;
}

function compact(value, max = 160) {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

function showError(thread, error) {
  $('thread').hidden = true;
  $('empty').hidden = true;
  $('error').hidden = false;
  $('error-title').textContent = thread ? "Cannot show thread '" + thread + "'" : 'Cannot show this thread';
  $('error-code').textContent = error.code || 'ERROR';
  $('error-message').textContent = error.message || String(error);
}

// ---- loading a thread ----

async function open(thread, checkpointId) {
  view.thread = thread;
  $('thread-input').value = thread;
  $('error').hidden = true;
  $('empty').hidden = true;
  let page;
  try {
    page = await api('history', {threadId: thread, limit: 100});
  } catch (e) {
    if (e.code === 'AGENT_MISMATCH' && e.details.agent && e.details.agent !== view.agent && agentServed(e.details.agent)) {
      // A thread is bound to the agent that created it: show it through that agent.
      chooseAgent(e.details.agent);
      return open(thread, checkpointId);
    }
    showError(thread, e);
    return;
  }
  // History is newest first; the timeline reads oldest first.
  view.entries = page.checkpoints.slice().reverse();
  view.cursor = page.nextCursor;
  $('more').hidden = !view.cursor;
  $('thread-title').textContent = '— ' + thread;
  $('thread').hidden = false;
  renderTimeline();
  const target = view.entries.find(e => e.checkpoint.checkpointId === checkpointId) || view.entries[view.entries.length - 1];
  await select(target.checkpoint.checkpointId);
}

// History comes in pages of 100, newest first: the button puts the next older page before the timeline.
async function loadOlder() {
  let page;
  try {
    page = await api('history', {threadId: view.thread, limit: 100, cursor: view.cursor});
  } catch (e) {
    showError(view.thread, e);
    return;
  }
  view.entries = page.checkpoints.slice().reverse().concat(view.entries);
  view.cursor = page.nextCursor;
  $('more').hidden = !view.cursor;
  renderTimeline();
  if (view.selected) {
    document.querySelectorAll('#timeline button').forEach(b => b.classList.toggle('selected', b.dataset.id === view.selected.checkpoint.checkpointId));
  }
  $('timeline').dataset.count = view.entries.length; // lets tests tell when the page is in
}

function renderTimeline() {
  const list = clear($('timeline'));
  for (const entry of view.entries) {
    const cp = entry.checkpoint;
    const reasons = (cp.decisions || []).map(d => el('div', {class: 'cp-reason'},
        d.from + ' → ' + d.to.join(', ') + ': ' + d.reason));
    const by = cp.metadata && cp.metadata.op ? ' (' + cp.metadata.op + ')' : '';
    const button = el('button', {type: 'button', class: 'checkpoint', 'data-id': cp.checkpointId, 'data-step': cp.step},
        el('div', {class: 'cp-head'}, el('span', {}, 'step ' + cp.step + by), el('span', {class: 'status ' + cp.status}, cp.status)),
        el('div', {class: 'cp-nodes'}, (cp.nodes.length ? cp.nodes.join(', ') : 'input') + ' → ' + (cp.next.length ? cp.next.join(', ') : 'end')),
        reasons);
    button.addEventListener('click', () => select(cp.checkpointId));
    list.append(el('li', {}, button));
  }
}

async function select(checkpointId) {
  const entry = view.entries.find(e => e.checkpoint.checkpointId === checkpointId);
  view.selected = entry;
  document.querySelectorAll('#timeline button').forEach(b => b.classList.toggle('selected', b.dataset.id === checkpointId));
  const url = new URL(location.href);
  url.searchParams.set('thread', view.thread);
  url.searchParams.set('checkpoint', checkpointId);
  if (view.agent) url.searchParams.set('agent', view.agent);
  history.replaceState(null, '', url);
  $('replay-report').hidden = true;
  $('action-result').hidden = true;
  renderSummary(entry);
  renderDiff(entry.diff || [], (entry.truncated || []).includes('diff'));
  renderEffects(entry.effects || []);
  renderMemories(entry);
  await Promise.all([renderGraph(entry), renderState(entry)]);
  $('detail').dataset.loaded = checkpointId; // lets tests (and people) tell when the panel is complete
}

// ---- the selected checkpoint ----

function renderSummary(entry) {
  const cp = entry.checkpoint;
  $('detail-step').textContent = cp.step;
  $('detail-status').textContent = cp.status;
  $('detail-status').className = 'status ' + cp.status;
  const rows = [
    ['checkpoint', cp.checkpointId], ['parent', cp.parentId || '—'], ['created', cp.createdAt],
    ['nodes', cp.nodes.join(', ') || '—'], ['next', cp.next.join(', ') || 'end'],
    ['decisions', (cp.decisions || []).map(d => d.from + ' → ' + d.to.join(', ') + ': ' + d.reason).join('; ') || '—'],
    ['stored', cp.storedAs + ', ' + cp.storedBytes + ' bytes']];
  Object.entries(cp.metadata || {}).forEach(([k, v]) => rows.push(['metadata.' + k, v]));
  if (cp.interrupt) rows.push(['waits for', compact(cp.interrupt, 400)]);
  if (cp.error) rows.push(['error', cp.error.node + ': ' + cp.error.type + ': ' + cp.error.message]);
  // An entry larger than one answer of history comes without its large parts (README, "Large answers").
  if (entry.truncated) rows.push(['left out', entry.truncated.join(', ') + ' (too large for one answer): ' + entry.hint]);
  const dl = clear($('summary'));
  rows.forEach(([k, v]) => dl.append(el('dt', {}, k), el('dd', {'data-key': k}, v)));
  const latest = view.entries[view.entries.length - 1] === entry;
  // resume answers the thread's interrupt, which only its latest checkpoint can be waiting for.
  $('resume-box').hidden = !(latest && cp.status === 'INTERRUPTED');
}

function renderDiff(diff, leftOut) {
  $('diff-json').textContent = leftOut ? '' : JSON.stringify(diff, null, 2);
  const body = clear($('diff').tBodies[0]);
  if (leftOut) {
    body.append(el('tr', {}, el('td', {colspan: 3, class: 'muted'}, 'left out: too large for one answer; the state at this checkpoint is below')));
    return;
  }
  if (diff.length === 0) {
    body.append(el('tr', {}, el('td', {colspan: 3, class: 'muted'}, 'no change')));
  }
  for (const op of diff) {
    body.append(el('tr', {class: 'diff-op'}, el('td', {class: 'op-' + op.op}, op.op), el('td', {}, op.path + (op.from ? ' ← ' + op.from : '')),
        el('td', {}, 'value' in op ? compact(op.value, 300) : '')));
  }
}

/** What a recorded effect asked and got, in a line each: the last message for model calls, else the JSON. */
function describeEffect(effect) {
  const request = effect.request, response = effect.response;
  if (effect.kind === 'MODEL' && request && Array.isArray(request.messages)) {
    const last = request.messages[request.messages.length - 1] || {};
    const answer = response ? (response.text || (response.toolCalls || []).map(c => c.name + '(' + c.arguments + ')').join(', ')) : '';
    return [(last.role || '') + ': ' + compact(last.text || last.toolCalls, 200) + ' (' + request.messages.length + ' messages)', answer];
  }
  return [compact(request, 200), compact(response, 200)];
}

function renderEffects(effects) {
  const body = clear($('effects').tBodies[0]);
  if (effects.length === 0) {
    body.append(el('tr', {}, el('td', {colspan: 6, class: 'muted'}, 'no recorded effects')));
  }
  for (const effect of effects) {
    const [request, response] = describeEffect(effect);
    const outcome = effect.error ? 'failed: ' + compact(effect.error.type + ': ' + effect.error.message, 200) : response;
    body.append(el('tr', {class: 'effect kind-' + effect.kind},
        el('td', {}, effect.seq), el('td', {}, effect.node + (effect.attempt > 1 ? ' #' + effect.attempt : '')),
        el('td', {}, effect.kind + (effect.reused ? ' (reused)' : '')), el('td', {}, effect.name), el('td', {}, request),
        el('td', {}, outcome)));
  }
}

/** A link to the checkpoint that wrote a recalled memory (its provenance), when the recall recorded one. */
function provenance(hit) {
  if (!hit.sourceThread || !hit.sourceCheckpoint) return '';
  const query = {thread: hit.sourceThread, checkpoint: hit.sourceCheckpoint};
  if (view.agent) query.agent = view.agent;
  return el('span', {class: 'muted'}, ' — written by ',
      el('a', {class: 'provenance', href: '?' + new URLSearchParams(query).toString()}, hit.sourceThread + ' @ ' + hit.sourceCheckpoint));
}

/**
 * Where a memory this checkpoint wrote comes from (its provenance: this checkpoint, the node and what it was derived
 * from) and the memories it corrects.
 */
function writtenBy(write) {
  const parts = [];
  if (write.id) parts.push('id ' + write.id);
  if (write.sourceNode) parts.push('by node ' + write.sourceNode + (write.sourceStep ? ' in step ' + write.sourceStep : ''));
  if (write.derivedFrom) parts.push('from ' + write.derivedFrom);
  if (Array.isArray(write.supersedes) && write.supersedes.length > 0) parts.push('corrects ' + write.supersedes.join(', '));
  return parts.length === 0 ? '' : el('span', {class: 'muted provenance-written'}, ' — ' + parts.join('; '));
}

function renderMemories(entry) {
  const recalled = clear($('recalled'));
  for (const effect of (entry.effects || []).filter(e => e.kind === 'RECALL')) {
    const hits = Array.isArray(effect.response) ? effect.response : [];
    recalled.append(el('li', {class: 'recall'}, 'search ' + effect.name + ' for "' + compact(effect.request && effect.request.query, 120)
        + '": ' + hits.length + ' found',
        el('ul', {}, hits.map(h => el('li', {}, compact(h.content, 200) + ' (score ' + Number(h.score).toFixed(2) + ')',
            provenance(h))))));
  }
  if (!recalled.firstChild) recalled.append(el('li', {class: 'muted'}, 'none'));
  const written = clear($('written'));
  for (const write of entry.outbox || []) {
    written.append(el('li', {class: 'write'}, write.namespace + ' (' + write.kind + '): ' + compact(write.content, 200),
        writtenBy(write)));
  }
  if (!written.firstChild) written.append(el('li', {class: 'muted'}, 'none'));
}

async function renderState(entry) {
  try {
    const answer = await api('state', {threadId: view.thread, checkpointId: entry.checkpoint.checkpointId});
    $('state').textContent = JSON.stringify(answer.state, null, 2);
  } catch (e) {
    $('state').textContent = e.code + ': ' + e.message;
  }
}

// ---- the graph: a layered drawing of the nodes and edges the server gives ----

async function renderGraph(entry) {
  const next = entry.checkpoint.next || [];
  try {
    const response = await fetch('/inspector/graph?agent=' + encodeURIComponent(view.agent || '')
      + '&highlight=' + encodeURIComponent(next.join(',')));
    const graph = await response.json();
    if (!response.ok) throw graph.error || {code: 'HTTP_' + response.status, message: 'no graph'};
    view.graph = graph;
    $('mermaid').textContent = graph.mermaid;
    clear($('graph')).append(drawGraph(graph, new Set(graph.highlighted), new Set(entry.checkpoint.nodes)));
  } catch (e) {
    clear($('graph')).append(el('p', {class: 'muted'}, 'graph unavailable: ' + (e.message || e)));
  }
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attributes, text) {
  const e = document.createElementNS(SVG, tag);
  Object.entries(attributes).forEach(([k, v]) => e.setAttribute(k, v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Layers by shortest distance from START (END last); edges that go back up are drawn as curves on the side. */
function drawGraph(graph, current, ran) {
  const names = [START, ...graph.nodes, END];
  const depth = {[START]: 0};
  const queue = [START];
  while (queue.length) {
    const from = queue.shift();
    graph.edges.filter(e => e.from === from && e.to !== END && !(e.to in depth))
        .forEach(e => { depth[e.to] = depth[from] + 1; queue.push(e.to); });
  }
  let deepest = Math.max(0, ...Object.values(depth));
  names.filter(n => n !== END && !(n in depth)).forEach(n => depth[n] = ++deepest); // unreachable from START
  depth[END] = deepest + 1;
  const layers = [];
  names.forEach(n => (layers[depth[n]] = layers[depth[n]] || []).push(n));
  const W = 130, H = 34, GAP_X = 40, GAP_Y = 56, width = Math.max(...layers.map(l => l.length)) * (W + GAP_X) + 120;
  const at = {};
  layers.forEach((layer, i) => layer.forEach((n, j) => {
    at[n] = {x: (width - layer.length * (W + GAP_X) + GAP_X) / 2 + j * (W + GAP_X) + W / 2, y: 20 + i * (H + GAP_Y) + H / 2};
  }));
  const root = svg('svg', {viewBox: '0 0 ' + width + ' ' + (layers.length * (H + GAP_Y) + 10), role: 'img', 'aria-label': 'graph'});
  const defs = svg('defs', {});
  const marker = svg('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse'});
  marker.append(svg('path', {d: 'M 0 0 L 10 5 L 0 10 z', fill: '#7a8599'}));
  defs.append(marker);
  root.append(defs);
  for (const e of graph.edges) {
    const a = at[e.from], b = at[e.to];
    if (!a || !b) continue;
    let d, mid;
    if (depth[e.to] > depth[e.from]) {
      d = 'M ' + a.x + ' ' + (a.y + H / 2) + ' L ' + b.x + ' ' + (b.y - H / 2);
      mid = {x: (a.x + b.x) / 2, y: (a.y + H / 2 + b.y - H / 2) / 2};
    } else if (depth[e.to] === depth[e.from]) { // within a layer: between the facing sides
      const dir = b.x > a.x ? 1 : -1;
      d = 'M ' + (a.x + dir * W / 2) + ' ' + a.y + ' L ' + (b.x - dir * W / 2) + ' ' + b.y;
      mid = {x: (a.x + b.x) / 2 - 10, y: a.y - 8};
    } else { // back edge: around the right side
      const side = Math.max(a.x, b.x) + W / 2 + 30;
      d = 'M ' + (a.x + W / 2) + ' ' + a.y + ' C ' + side + ' ' + a.y + ', ' + side + ' ' + b.y + ', ' + (b.x + W / 2) + ' ' + b.y;
      mid = {x: side - 8, y: (a.y + b.y) / 2};
    }
    const g = svg('g', {class: 'edge-group', 'data-from': e.from, 'data-to': e.to});
    g.append(svg('path', {d, class: 'edge' + (e.conditional ? ' conditional' : '')}));
    if (e.label) g.append(svg('text', {x: mid.x + 4, y: mid.y, class: 'label', 'text-anchor': 'start'}, e.label));
    root.append(g);
  }
  for (const n of names) {
    const terminal = n === START || n === END;
    const classes = ['node', terminal ? 'terminal' : '', current.has(n) ? 'current' : '', ran.has(n) ? 'ran' : ''].filter(Boolean);
    const g = svg('g', {class: classes.join(' '), 'data-node': n});
    g.append(svg('rect', {x: at[n].x - W / 2, y: at[n].y - H / 2, width: W, height: H, rx: terminal ? H / 2 : 4}));
    g.append(svg('text', {x: at[n].x, y: at[n].y}, n === START ? 'START' : n === END ? 'END' : n));
    root.append(g);
  }
  return root;
}

// ---- actions: the existing operations ----

function actionResult(text, failed) {
  const box = $('action-result');
  box.hidden = false;
  box.className = failed ? 'failed' : '';
  clear(box).append(text);
}

async function replay() {
  const cp = view.selected.checkpoint;
  const box = $('replay-report');
  try {
    const {report} = await api('replay', {threadId: view.thread, checkpointId: cp.checkpointId});
    box.className = 'report ' + report.verdict;
    clear(box).append(el('h4', {}, 'Replay of step ' + report.step + ': ', el('span', {id: 'replay-verdict'}, report.verdict)),
        el('p', {id: 'replay-summary'}, report.summary),
        el('p', {class: 'muted'}, report.effectsServed + ' of ' + report.effectsRecorded + ' recorded effects served; memory writes '
            + (report.memoryWritesSame ? 'the same' : 'different')));
    if (report.fields && report.fields.length) {
      box.append(el('ul', {}, report.fields.map(f => el('li', {}, f.field + ': ' + compact(f.recorded) + ' → ' + compact(f.replayed)))));
    }
    if (report.divergence) box.append(el('p', {}, 'divergence: ' + compact(report.divergence, 400)));
    box.hidden = false;
  } catch (e) {
    actionResult('replay failed: ' + e.code + ': ' + e.message, true);
  }
}

async function fork() {
  const cp = view.selected.checkpoint;
  const target = $('fork-id').value.trim();
  if (!target) {
    actionResult('name the new thread first', true);
    return;
  }
  try {
    await api('fork', {threadId: view.thread, checkpointId: cp.checkpointId, newThreadId: target,
      reason: 'forked in the inspector from step ' + cp.step});
    actionResult(el('span', {}, 'forked into ', el('a', {href: '?thread=' + encodeURIComponent(target), id: 'fork-link'}, target)));
  } catch (e) {
    actionResult('fork failed: ' + e.code + ': ' + e.message, true);
  }
}

async function resume() {
  let value;
  try {
    value = JSON.parse($('resume-value').value);
  } catch (e) {
    actionResult('the resume value must be JSON: ' + e.message, true);
    return;
  }
  try {
    const answer = await api('resume', {threadId: view.thread, value});
    await open(view.thread, answer.checkpoint.checkpointId);
    actionResult('resumed: step ' + answer.checkpoint.step + ' is ' + answer.checkpoint.status);
  } catch (e) {
    actionResult('resume failed: ' + e.code + ': ' + e.message, true);
  }
}

$('replay').addEventListener('click', replay);
$('fork').addEventListener('click', fork);
$('resume').addEventListener('click', resume);
$('load-older').addEventListener('click', loadOlder);
$('open-form').addEventListener('submit', event => {
  event.preventDefault();
  const thread = $('thread-input').value.trim();
  if (thread) location.search = '?agent=' + encodeURIComponent($('agent-input').value) + '&thread=' + encodeURIComponent(thread);
});
$('agent-input').addEventListener('change', () => chooseAgent($('agent-input').value));

// ---- the agents this deployment serves (GET /inspector/agents) ----

function agentServed(name) {
  return Array.from($('agent-input').options).some(o => o.value === name);
}

function chooseAgent(name) {
  view.agent = name;
  $('agent-input').value = name;
}

async function loadAgents(requested) {
  try {
    const response = await fetch('/inspector/agents');
    const answer = await response.json();
    if (!response.ok) throw answer.error || {code: 'HTTP_' + response.status, message: 'no agents'};
    for (const agent of answer.agents) {
      $('agent-input').append(el('option', {value: agent.name, title: agent.description || ''}, agent.name));
    }
    const first = answer.agents.length ? answer.agents[0].name : null;
    chooseAgent(requested && agentServed(requested) ? requested : answer.default || first);
  } catch (e) {
    showError(null, e);
  }
}

// ---- the caller's threads (POST /threads), when no thread is open ----

const listing = {cursor: null, filters: {}};

/** The filters of the form as a threads request; a malformed one is the API's to refuse (it names the field). */
function threadFilters() {
  const filters = {};
  if ($('filter-status').value) filters.status = $('filter-status').value;
  if ($('filter-agent').value) filters.agent = $('filter-agent').value;
  if ($('filter-since').value) filters.updatedSince = new Date($('filter-since').value).toISOString();
  const tag = $('filter-tag').value.trim();
  if (tag) {
    const eq = tag.indexOf('=');
    filters.tags = eq < 0 ? {[tag]: ''} : {[tag.slice(0, eq).trim()]: tag.slice(eq + 1).trim()};
  }
  return filters;
}

async function listThreads(more) {
  if (!more) {
    listing.filters = threadFilters();
    listing.cursor = null;
    clear($('threads').tBodies[0]);
  }
  $('threads-error').hidden = true;
  let page;
  try {
    page = await api('threads', Object.assign({limit: 50}, listing.filters, listing.cursor ? {cursor: listing.cursor} : {}));
  } catch (e) {
    $('threads-error').hidden = false;
    $('threads-error').textContent = (e.code || 'ERROR') + ': ' + (e.message || String(e));
    $('threads-more').hidden = true;
    return;
  }
  const body = $('threads').tBodies[0];
  for (const t of page.threads) {
    const href = '?' + (t.agent ? 'agent=' + encodeURIComponent(t.agent) + '&' : '') + 'thread=' + encodeURIComponent(t.threadId);
    const waiting = t.waitingFor ? t.waitingFor.node + (t.waitingFor.payload ? ': ' + compact(t.waitingFor.payload, 80) : '') : '';
    body.append(el('tr', {'data-thread': t.threadId},
      el('td', {}, el('a', {href, class: 'thread-link'}, t.threadId)),
      el('td', {}, t.agent || ''),
      el('td', {}, el('span', {class: 'status ' + t.status}, t.status)),
      el('td', {}, t.step),
      el('td', {title: t.updatedAt}, t.updatedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')),
      el('td', {}, Object.entries(t.tags || {}).map(([k, v]) => k + '=' + v).join(' ')),
      el('td', {}, waiting)));
  }
  listing.cursor = page.nextCursor || null;
  $('threads-more').hidden = !listing.cursor;
  $('threads-none').hidden = body.rows.length > 0 || !!listing.cursor;
}

// ---- the migration dry-run (POST /migration-dry-run): counts, what refusals lack, examples; reads only ----

const OUTCOMES = ['continue', 'migrate', 'refuse', 'pinned'];
const dryRun = {cursor: null, totals: null, missing: null, examples: null, report: null};

/** Runs the dry-run (from the start, or on from the last cursor) and adds its counts to what the page shows. */
async function migrationDryRun(more) {
  if (!more) {
    dryRun.cursor = null;
    dryRun.totals = {threads: 0, sameGraph: 0, unserved: 0};
    OUTCOMES.forEach(o => { dryRun.totals[o] = 0; });
    dryRun.missing = {};
    dryRun.examples = [];
  }
  $('dry-run-error').hidden = true;
  let report;
  try {
    report = await api('migration-dry-run', Object.assign({examples: 5}, dryRun.cursor ? {cursor: dryRun.cursor} : {}));
  } catch (e) {
    $('dry-run-error').hidden = false;
    $('dry-run-error').textContent = (e.code || 'ERROR') + ': ' + (e.message || String(e));
    $('dry-run-next').hidden = true;
    return;
  }
  dryRun.totals.threads += report.threads;
  dryRun.totals.sameGraph += report.sameGraph;
  dryRun.totals.unserved += report.unserved;
  OUTCOMES.forEach(o => { dryRun.totals[o] += report.counts[o] || 0; });
  Object.entries(report.missing || {}).forEach(([what, n]) => { dryRun.missing[what] = (dryRun.missing[what] || 0) + n; });
  OUTCOMES.forEach(o => (report.examples[o] || []).forEach(x => dryRun.examples.push(Object.assign({outcome: o}, x))));
  dryRun.cursor = report.nextCursor || null;
  renderDryRun(report.graphs);
}

function renderDryRun(graphs) {
  $('dry-run-report').hidden = false;
  $('dry-run-graphs').textContent = 'graphs served: ' + Object.entries(graphs || {}).map(([a, g]) => a + ' ' + g).join(', ')
    + (dryRun.cursor ? ' — more threads to read' : '');
  const counts = clear($('dry-run-counts').tBodies[0]);
  OUTCOMES.forEach(o => counts.append(el('tr', {'data-outcome': o}, el('td', {}, o),
    el('td', {}, dryRun.totals[o] + (o === 'continue' ? ' (' + dryRun.totals.sameGraph + ' on the same graph)' : '')))));
  if (dryRun.totals.unserved) {
    counts.append(el('tr', {'data-outcome': 'unserved'}, el('td', {}, 'unserved'), el('td', {}, dryRun.totals.unserved)));
  }
  counts.append(el('tr', {'data-outcome': 'read'}, el('td', {}, 'read'), el('td', {}, dryRun.totals.threads)));
  const missing = clear($('dry-run-missing').tBodies[0]);
  Object.entries(dryRun.missing).sort((a, b) => b[1] - a[1]).forEach(([what, n]) => missing.append(el('tr', {}, el('td', {}, what), el('td', {}, n))));
  $('dry-run-missing').hidden = missing.rows.length === 0;
  const examples = clear($('dry-run-examples').tBodies[0]);
  for (const x of dryRun.examples) {
    const href = '?' + (x.agent ? 'agent=' + encodeURIComponent(x.agent) + '&' : '') + 'thread=' + encodeURIComponent(x.threadId);
    examples.append(el('tr', {'data-thread': x.threadId, 'data-outcome': x.outcome}, el('td', {}, x.outcome),
      el('td', {}, el('a', {href, class: 'thread-link'}, x.threadId)), el('td', {}, x.step), el('td', {}, x.status),
      el('td', {}, (x.waitingAt || []).join(', ')), el('td', {}, x.verdict)));
  }
  $('dry-run-examples').hidden = examples.rows.length === 0;
  $('dry-run-next').hidden = !dryRun.cursor;
}

function showThreadList() {
  $('threads-panel').hidden = false;
  $('dry-run-panel').hidden = false;
  $('dry-run').addEventListener('click', () => migrationDryRun(false));
  $('dry-run-next').addEventListener('click', () => migrationDryRun(true));
  for (const option of $('agent-input').options) {
    $('filter-agent').append(el('option', {value: option.value}, option.value));
  }
  $('threads-form').addEventListener('submit', event => {
    event.preventDefault();
    listThreads(false);
  });
  $('threads-next').addEventListener('click', () => listThreads(true));
  listThreads(false);
}

const params = new URLSearchParams(location.search);
loadAgents(params.get('agent')).then(() => {
  if (params.get('thread')) {
    open(params.get('thread'), params.get('checkpoint'));
  } else {
    showThreadList();
  }
});
