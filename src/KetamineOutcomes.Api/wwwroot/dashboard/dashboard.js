// Clinician dashboard: no framework, no build step. Everything shown comes from the public API as the signed-in
// clinician (or with a pasted key, in development): credentials.js says how. Text is set with textContent, never as HTML.
'use strict';

const Api = '/api/v1';
const $ = (id) => document.getElementById(id);
const patients = new Map(); // id → patient, as found or opened
let current = null; // the patient on screen

const TriggerNames = { 'phq9-item9': 'PHQ-9 item 9', cssrs: 'C-SSRS screener' };
// Three filled steps for high, two for moderate, one for low: the level reads without colour too.
const LevelSteps = { high: '▮▮▮', moderate: '▮▮▯', low: '▮▯▯' };
const AlertsPerPage = '10';

function say(message, isError = false) {
  const status = $('status');
  status.textContent = message;
  status.classList.toggle('error', isError);
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

// Local time with its zone ("Oct 12, 2026, 03:07 PM EDT"): a time without a zone is ambiguous across sites and travel.
function when(iso) {
  return new Date(iso).toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
  });
}

// How long an alert has been open, in the largest whole unit: "opened 3 h ago".
function age(iso) {
  const minutes = Math.floor((Date.now() - Date.parse(iso)) / 60000);
  if (minutes < 1) return 'opened just now';
  if (minutes < 60) return `opened ${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `opened ${hours} h ago`;
  return `opened ${Math.floor(hours / 24)} days ago`;
}

function timeEl(iso, text) {
  const node = el('time', text);
  node.dateTime = iso;
  return node;
}

// A failed call keeps its HTTP status, so the caller can say in plain words what a 409 or 412 means for what was tried.
class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function call(path, options = {}) {
  const headers = { ...(await Credentials.headers()), Accept: options.accept ?? 'application/json', ...options.headers };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(Api + path, {
    method: options.method ?? 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const ended = response.status === 401 ? await Credentials.refused() : null;
  if (ended) throw new ApiError(ended, 401);
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      const problem = await response.json();
      detail = problem.detail || problem.title || detail;
      if (problem.errors) detail += ' — ' + Object.entries(problem.errors).map(([field, m]) => `${field}: ${m.join(' ')}`).join('; ');
    } catch { /* not problem+json */ }
    throw new ApiError(detail, response.status);
  }
  return response;
}

async function patient(id) {
  if (!patients.has(id)) patients.set(id, await (await call(`/patients/${id}`)).json());
  return patients.get(id);
}

// ---- Signed in (a person or a key) and out: what is shown goes with whoever could see it ----
document.addEventListener('ko:signed-in', () => loadAlerts());
document.addEventListener('ko:signed-out', () => {
  patients.clear();
  current = null;
  $('patient').hidden = true;
  $('alerts').replaceChildren();
});

// ---- Patient ----
$('find-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const mrn = $('mrn').value.trim();
  const site = $('site').value.trim();
  const query = new URLSearchParams({ mrn });
  if (site) query.set('siteId', site);
  const matches = $('matches');
  matches.replaceChildren();
  matches.hidden = true;
  try {
    const found = (await (await call(`/patients?${query}`)).json()).items;
    found.forEach((p) => patients.set(p.id, p));
    if (found.length === 0) return say(`No patient with MRN ${mrn}${site ? ` at ${site}` : ''}.`, true);
    if (found.length === 1) return openPatient(found[0].id);
    for (const p of found) {
      const item = el('li');
      const button = el('button', `${p.mrn} · ${p.siteId ?? 'no site'}`);
      button.type = 'button';
      button.addEventListener('click', () => openPatient(p.id));
      item.append(button);
      matches.append(item);
    }
    matches.hidden = false;
    say(`${found.length} patients share MRN ${mrn}: choose the site.`);
  } catch (e) {
    say(e.message, true);
  }
});
$('instrument').addEventListener('change', () => { if (current) openPatient(current); });

async function openPatient(id) {
  const instrument = $('instrument').value;
  try {
    // The tables list entered-in-error records too (marked as such), so their history stays one click away.
    const all = 'includeEnteredInError=true&limit=500';
    const [p, trend, svg, questionnaires, infusions, due] = await Promise.all([
      patient(id),
      call(`/patients/${id}/trends?instrument=${instrument}`).then((r) => r.json()),
      call(`/patients/${id}/trends/${instrument}.svg`, { accept: 'image/svg+xml' }).then((r) => r.text()),
      call(`/patients/${id}/questionnaires?instrument=${instrument}&${all}`).then((r) => r.json()),
      call(`/patients/${id}/infusions?${all}`).then((r) => r.json()),
      call(`/patients/${id}/due`).then((r) => r.json()),
    ]);
    if (current !== id) closePanels();
    current = id;
    $('patient-title').textContent = `MRN ${p.mrn ?? '—'} · ${p.siteId ?? 'no site'}`;
    showChart(svg);
    showSummary(trend);
    showQuestionnaires(questionnaires.items);
    showInfusions(infusions.items);
    showDue(due.items);
    $('patient').hidden = false;
    say(`Showing ${instrument === 'phq9' ? 'PHQ-9' : 'GAD-7'} for MRN ${p.mrn ?? id}.`);
  } catch (e) {
    say(e.message, true);
  }
}

function showChart(svgText) {
  // Parsed as SVG (never as HTML) and imported: the service's writer emits no scripts, and the page's CSP allows none inline.
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const svg = doc.documentElement;
  if (svg.nodeName !== 'svg') throw new Error('The chart could not be read.');
  $('chart').replaceChildren(document.importNode(svg, true));
  $('chart-caption').textContent = svg.querySelector('desc')?.textContent ?? '';
}

function showSummary(trend) {
  const rows = [
    // The service tells the course in words, in the same words as the chart's title (a relapse after remission is not
    // "no response"; "No GAD-7 yet" rather than a missing baseline; why it is not evaluable yet).
    ['Status', trend.summary],
    ['Baseline', trend.baseline ? `${trend.baseline.totalScore} on ${when(trend.baseline.completedAt)}` : 'none'],
    ['Latest', trend.latest ? `${trend.latest.totalScore} on ${when(trend.latest.completedAt)}` : 'none'],
    ['First response', trend.firstResponse
      ? `day ${trend.firstResponse.daysSinceFirstInfusion} (after session ${trend.firstResponse.sessionNumber}), score ${trend.firstResponse.totalScore}` : 'not yet'],
    ['First remission', trend.firstRemission
      ? `day ${trend.firstRemission.daysSinceFirstInfusion} (after session ${trend.firstRemission.sessionNumber}), score ${trend.firstRemission.totalScore}` : 'not yet'],
    ['Relapse after remission', trend.relapse ? 'yes' : 'no'],
    ['Open safety alerts', String(trend.openAlerts.length)],
  ];
  $('summary').replaceChildren(...rows.flatMap(([term, value]) => [el('dt', term), el('dd', value)]));
}

function showQuestionnaires(questionnaires) {
  const name = InstrumentNames[$('instrument').value];
  fillTable($('questionnaires'), questionnaires, `No ${name} recorded.`, 4, (q) =>
    [el('td', when(q.completedAt)), el('td', String(q.totalScore)), el('td', StatusWords[q.status] ?? q.status)]);
}

function showInfusions(infusions) {
  // An entered-in-error infusion is no session: it has no number (sessionNumber null).
  fillTable($('infusions'), infusions, 'No infusions recorded.', 6, (i) =>
    [el('td', i.sessionNumber === null ? '—' : String(i.sessionNumber)), el('td', when(i.administeredAt)), el('td', i.route), el('td', i.drug),
      el('td', StatusWords[i.status] ?? i.status)]);
}

// One row a record: its cells, then its actions (marking only while it is not entered in error; history always).
function fillTable(body, records, empty, columns, cells) {
  const kind = body.id === 'infusions' ? Kinds.infusion : Kinds.questionnaire;
  body.replaceChildren(...records.map((r) => {
    const row = el('tr', undefined, r.status);
    row.dataset.recordId = r.id;
    const actions = el('td');
    if (r.status !== 'entered-in-error') actions.append(button('Mark entered in error', () => openCorrection(kind, r)));
    actions.append(button('History', () => showHistory(kind, r)));
    row.append(...cells(r), actions);
    return row;
  }));
  if (records.length === 0) {
    const row = el('tr');
    const cell = el('td', empty);
    cell.colSpan = columns;
    row.append(cell);
    body.append(row);
  }
}

function button(text, onClick, className = 'secondary') {
  const node = el('button', text, className);
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}

// ---- Corrections: mark entered in error (SPEC v2, Corrections) and a record's history ----
const InstrumentNames = { phq9: 'PHQ-9', gad7: 'GAD-7', cssrs: 'C-SSRS' };
const StatusWords = { final: 'final', amended: 'amended', 'entered-in-error': 'entered in error' };
const Kinds = {
  questionnaire: {
    path: 'questionnaires', noun: 'assessment',
    describe: (q) => `${InstrumentNames[q.instrument] ?? q.instrument} of ${when(q.completedAt)}, total ${q.totalScore}`,
  },
  infusion: {
    path: 'infusions', noun: 'infusion',
    describe: (i) => `Infusion of ${when(i.administeredAt)} (${i.route}, ${i.drug})`,
  },
};
// Values a version shows that follow from others or from the version itself: not listed as changes.
const Derived = new Set(['version', 'status', 'lastUpdated', 'createdAt', 'alert', 'timepoint', 'sessionNumber']);
let pending = null; // the record the confirm step is about: { kind, id, etag, text }

function closePanels() {
  pending = null;
  $('correction').hidden = true;
  $('history').hidden = true;
}

// First step: read the record again for its current version (its ETag), say which record it is, ask why.
async function openCorrection(kind, record) {
  try {
    const response = await call(`/patients/${current}/${kind.path}/${record.id}`);
    const fresh = await response.json();
    pending = { kind, id: record.id, etag: response.headers.get('ETag'), text: kind.describe(fresh) };
    $('history').hidden = true;
    $('correction-record').textContent = `${pending.text} — version ${fresh.version}, ${StatusWords[fresh.status] ?? fresh.status}.`;
    $('correction-reason').value = '';
    $('correction').hidden = false;
    $('correction-reason').focus();
    say(`Say why the ${kind.noun} is entered in error, then confirm.`);
  } catch (e) {
    say(e.message, true);
  }
}

$('correction-cancel').addEventListener('click', () => {
  closePanels();
  say('Nothing was changed.');
});

// Second step: the confirmation sends the marking with the version read as If-Match, so a change made meanwhile by
// someone else is not overridden unseen (412), and a second marking is refused (409).
$('correction-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!pending) return;
  const { kind, id, etag, text } = pending;
  const confirm = $('correction-form').querySelector('button[type="submit"]');
  confirm.disabled = true;
  try {
    await call(`/patients/${current}/${kind.path}/${id}/entered-in-error`, {
      method: 'POST', body: { reason: $('correction-reason').value }, headers: etag ? { 'If-Match': etag } : {},
    });
    closePanels();
    await openPatient(current);
    await showHistory(kind, { id });
    say(`Marked entered in error: ${text}. It no longer counts in the trend, chart or research.`);
  } catch (e) {
    const plain = {
      409: `Not marked: this ${kind.noun} is already marked entered in error (someone may just have done it). Nothing was changed.`,
      412: `Not marked: this ${kind.noun} was changed by someone else after you opened it. Nothing was changed; look at it again before marking it.`,
    }[e.status];
    if (plain) {
      closePanels();
      await openPatient(current);
    }
    say(plain ?? e.message, true);
  } finally {
    confirm.disabled = false;
  }
});

$('history-close').addEventListener('click', () => { $('history').hidden = true; });

// Every version, oldest first: number, status, when, who, why, and the values that differ from the version before.
async function showHistory(kind, record) {
  try {
    const versions = (await (await call(`/patients/${current}/${kind.path}/${record.id}/history`)).json()).items;
    $('correction').hidden = true;
    pending = null;
    $('history-record').textContent = kind.describe(versions[versions.length - 1].values);
    $('history-versions').replaceChildren(...versions.map((v, n) => versionItem(v, n === 0 ? null : versions[n - 1])));
    $('history').hidden = false;
    $('history').dataset.recordId = record.id;
  } catch (e) {
    say(e.message, true);
  }
}

function versionItem(v, before) {
  const item = el('li');
  item.dataset.version = String(v.version);
  item.append(el('p', `Version ${v.version} · ${StatusWords[v.status] ?? v.status}`, 'alert-head'));
  // Versions stored before the service recorded actors have none.
  const by = v.changedBy ? `by ${v.changedBy.name || v.changedBy.id} (${v.changedBy.type === 'user' ? 'user' : 'API key'})` : 'author not recorded';
  const line = el('p');
  line.append(timeEl(v.changedAt, when(v.changedAt)), document.createTextNode(` · ${by}`));
  item.append(line);
  if (v.reason) item.append(el('p', `Reason: ${v.reason}`));
  if (!before) {
    item.append(el('p', 'As first recorded.', 'help'));
    return item;
  }
  const changes = Object.keys(v.values).filter((k) => !Derived.has(k) && show(v.values[k]) !== show(before.values[k]));
  if (changes.length === 0) {
    item.append(el('p', 'No values changed; only the status.', 'help'));
    return item;
  }
  const list = el('ul', undefined, 'changes');
  list.append(...changes.map((k) => el('li', `${k}: ${show(before.values[k])} → ${show(v.values[k])}`)));
  item.append(list);
  return item;
}

function show(value) {
  if (value === null || value === undefined) return 'none';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((x) => (x === null ? '—' : show(x))).join(', ');
  if (typeof value === 'object') return Object.entries(value).map(([k, x]) => `${k} ${show(x)}`).join(', ');
  return String(value);
}

// ---- Safety-alert queue ----
$('refresh-alerts').addEventListener('click', () => loadAlerts());
$('more-alerts').addEventListener('click', () => loadAlerts(true));

// The first page of the queue, or (more = true) the next page appended after what is shown.
let alertsCursor = null;

async function loadAlerts(more = false) {
  try {
    const query = new URLSearchParams({ status: 'open', limit: AlertsPerPage });
    if (more && alertsCursor) query.set('cursor', alertsCursor);
    const page = await (await call(`/safety-alerts?${query}`)).json();
    const items = page.items.map(alertItem);
    if (more) $('alerts').append(...items);
    else $('alerts').replaceChildren(...items);
    alertsCursor = page.nextCursor;
    $('more-alerts').hidden = !alertsCursor;
    $('alerts-empty').hidden = $('alerts').children.length > 0;
  } catch (e) {
    // A fresh load that is refused (another role's key: 403) or fails leaves no card of an earlier key on screen; a failed
    // "Show more" keeps the open alerts already shown.
    if (!more) {
      $('alerts').replaceChildren();
      alertsCursor = null;
      $('more-alerts').hidden = true;
      $('alerts-empty').hidden = true;
    }
    say(e.message, true);
  }
}

// One card: level (colour, steps and word), whom it concerns, what the patient answered, when they completed it (with
// zone) and how long the alert has been open; then the acknowledgement form.
function alertItem(a) {
  const item = el('li', undefined, `alert ${a.level}`);
  item.dataset.alertId = a.id;
  item.dataset.level = a.level;
  const heading = el('p', undefined, 'alert-head');
  const level = el('span', undefined, `level ${a.level}`);
  const steps = el('span', LevelSteps[a.level] ?? '', 'steps');
  steps.setAttribute('aria-hidden', 'true');
  level.append(steps, document.createTextNode(` ${a.level} risk`));
  heading.append(level, ' ', el('span', 'Suicide-risk alert', 'nowrap'), ' · ', el('span', TriggerNames[a.trigger] ?? a.trigger, 'nowrap'));

  const answers = a.triggeringAnswers.map((t) => {
    const line = el('p', undefined, 'answer');
    const value = t.score === null ? t.answer : `${t.score} of 3, ${t.answer}`;
    line.append(el('q', t.question), document.createTextNode(' '), el('strong', value));
    return line;
  });

  const times = el('p', undefined, 'times');
  times.append(document.createTextNode('Completed '), timeEl(a.sourceCompletedAt, when(a.sourceCompletedAt)), document.createTextNode(' · '));
  const opened = timeEl(a.createdAt, age(a.createdAt));
  opened.className = 'age';
  opened.title = when(a.createdAt);
  times.append(opened);
  // Entered later than completed (a paper form typed in, a delayed sync): say when the service learned of it.
  if (Math.abs(Date.parse(a.createdAt) - Date.parse(a.sourceCompletedAt)) >= 60000) {
    times.append(document.createTextNode(' · stored '), timeEl(a.createdAt, when(a.createdAt)));
  }

  const who = el('p', undefined, 'who');
  const open = el('button', `Open MRN ${a.mrn ?? '—'}`, 'secondary');
  open.type = 'button';
  open.addEventListener('click', () => openPatient(a.patientId));
  who.append(open, document.createTextNode(` ${a.siteId ?? 'no site'}`));

  const form = el('form');
  const noteId = `note-${a.id}`;
  const label = el('label', 'Note (what was done)');
  label.htmlFor = noteId;
  const note = el('input');
  note.id = noteId;
  note.required = true;
  note.maxLength = 2000;
  const ack = el('button', 'Acknowledge');
  ack.type = 'submit';
  form.append(label, note, ack);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    ack.disabled = true;
    try {
      await call(`/safety-alerts/${a.id}/acknowledge`, { method: 'POST', body: { note: note.value } });
      await loadAlerts();
      if (current === a.patientId) await openPatient(current);
      // Said last: reopening the patient says what it shows, which would otherwise replace this at once.
      say(`Alert acknowledged (MRN ${a.mrn ?? a.patientId}).`);
    } catch (e) {
      ack.disabled = false;
      say(e.message, true);
    }
  });
  // SPEC v2, Corrections: the alert stays after its source is corrected; the card says so, so nobody acts on answers
  // that were withdrawn without knowing it (the answers shown are those that raised the alert).
  const source = a.sourceStatus ? el('p', a.sourceStatus === 'entered-in-error'
    ? 'Source marked entered in error since: these answers may not be this patient\'s. Review before acting.'
    : `Source amended since: its current answers no longer meet this level. Shown: the answers of version ${a.sourceVersion}, which raised it.`,
  'source-status') : null;
  item.append(heading, who, ...(source ? [source] : []), ...answers, times, form);
  return item;
}


// ---- Response watch (issue 22): patients whose latest PHQ-9 or GAD-7 is a relapse or a loss of response ----
const WatchKinds = { relapse: 'Relapse after remission', 'loss-of-response': 'Loss of response' };
let watchCursor = null;

$('refresh-watch').addEventListener('click', () => loadWatch());
$('more-watch').addEventListener('click', () => loadWatch(true));
document.addEventListener('ko:signed-in', () => loadWatch());
document.addEventListener('ko:signed-out', () => $('watch').replaceChildren());

// The first page of the watch (the service's order: relapses, then the largest share of baseline), or the next one appended.
async function loadWatch(more = false) {
  try {
    const query = new URLSearchParams({ limit: AlertsPerPage });
    if (more && watchCursor) query.set('cursor', watchCursor);
    const page = await (await call(`/response-watch?${query}`)).json();
    const items = page.items.map(watchItem);
    if (more) $('watch').append(...items);
    else $('watch').replaceChildren(...items);
    watchCursor = page.nextCursor;
    $('more-watch').hidden = !watchCursor;
    $('watch-empty').hidden = $('watch').children.length > 0;
  } catch (e) {
    // Refused (another role's key: 403) or failed: no card of an earlier key or page may stay on screen.
    $('watch').replaceChildren();
    watchCursor = null;
    $('more-watch').hidden = true;
    $('watch-empty').hidden = true;
    say(e.message, true);
  }
}

// One card: what was lost and on which instrument; baseline → latest (share of baseline); since when; the last dose.
function watchItem(w) {
  const item = el('li', undefined, w.kind);
  item.dataset.patientId = w.patientId;
  item.dataset.kind = w.kind;
  item.dataset.instrument = w.instrument;
  const heading = el('p', `${WatchKinds[w.kind] ?? w.kind} · ${InstrumentNames[w.instrument] ?? w.instrument}`, 'alert-head');
  const scores = el('p', `Baseline ${w.baseline.totalScore} → latest ${w.latest.totalScore} (${w.percentOfBaseline} % of baseline)`, 'scores');
  const times = el('p', undefined, 'times');
  times.append(document.createTextNode('Since '), timeEl(w.setback.completedAt, when(w.setback.completedAt)),
    document.createTextNode(` · last infusion: session ${w.lastSessionNumber}, ${w.daysSinceLastInfusion} days ago`));
  const who = el('p', undefined, 'who');
  const open = el('button', `Open MRN ${w.mrn ?? '—'}`, 'secondary');
  open.type = 'button';
  open.addEventListener('click', () => {
    $('instrument').value = w.instrument;
    openPatient(w.patientId);
  });
  who.append(open, document.createTextNode(` ${w.siteId ?? 'no site'}`));
  item.append(heading, who, scores, times);
  return item;
}

// ---- Measurement plans (issue 21): the patient's due list and the site's overdue worklist ----
const OccurrenceWords = { upcoming: 'upcoming', due: 'due now', overdue: 'overdue', completed: 'completed' };

// The window as one span of local times, both ends inclusive (SPEC: [dueAt, windowEnd]).
function windowCell(o) {
  const cell = el('td');
  cell.append(timeEl(o.dueAt, when(o.dueAt)), document.createTextNode(' – '), timeEl(o.windowEnd, when(o.windowEnd)));
  return cell;
}

// The service's order (dueAt, then rule): one row an occurrence, every instrument, whatever the chart shows.
function showDue(items) {
  const rows = items.map((o) => {
    const row = el('tr', undefined, `occurrence ${o.status}`);
    row.dataset.rule = o.ruleId;
    row.dataset.status = o.status;
    const start = el('td');
    start.append(timeEl(o.dueAt, when(o.dueAt)));
    const end = el('td');
    end.append(timeEl(o.windowEnd, when(o.windowEnd)));
    // completedBy is the record's id (a questionnaire or a C-SSRS check-in); only a completed occurrence has one.
    const by = el('td');
    if (o.completedBy) by.append(el('code', o.completedBy));
    else by.textContent = '—';
    row.append(el('td', InstrumentNames[o.instrument] ?? o.instrument), start, end, el('td', OccurrenceWords[o.status] ?? o.status), by);
    return row;
  });
  if (rows.length === 0) {
    const row = el('tr');
    const cell = el('td', 'Nothing due, completed recently or coming up.');
    cell.colSpan = 5;
    row.append(cell);
    rows.push(row);
  }
  $('due').replaceChildren(...rows);
}

let overdueSite = null;
let overdueCursor = null;

$('overdue-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const site = $('overdue-site').value.trim();
  // Another site's rows and cursor must not stay: "Show more" would send this site with the other's cursor (a 400).
  if (site !== overdueSite) clearOverdue();
  overdueSite = site;
  loadOverdue();
});
$('more-overdue').addEventListener('click', () => loadOverdue(true));
document.addEventListener('ko:signed-out', () => {
  overdueSite = null;
  clearOverdue();
});

// No rows, no cursor, nothing shown (not even "Nothing overdue"): before another site, after a failed load, on forgetting the key.
function clearOverdue() {
  overdueCursor = null;
  $('overdue').replaceChildren();
  $('overdue-table').hidden = true;
  $('more-overdue').hidden = true;
  $('overdue-empty').hidden = true;
}

// The first page of the site's overdue worklist (by patient, then dueAt), or the next one appended after what is shown.
async function loadOverdue(more = false) {
  if (!overdueSite) return;
  const site = overdueSite;
  try {
    const query = new URLSearchParams({ siteId: site, status: 'overdue', limit: AlertsPerPage });
    if (more && overdueCursor) query.set('cursor', overdueCursor);
    const page = await (await call(`/due?${query}`)).json();
    if (site !== overdueSite) return; // another site was asked for meanwhile: its own load shows it
    const rows = page.items.map(overdueRow);
    if (more) $('overdue').append(...rows);
    else $('overdue').replaceChildren(...rows);
    overdueCursor = page.nextCursor;
    const shown = $('overdue').children.length;
    $('more-overdue').hidden = !overdueCursor;
    $('overdue-table').hidden = shown === 0;
    $('overdue-empty').hidden = shown > 0;
    if (!more) say(`${shown === 0 ? 'Nothing' : `${shown}${overdueCursor ? ' or more' : ''}`} overdue at ${site}.`);
  } catch (e) {
    // What is shown may no longer be this site's list, and its cursor not one to continue from: show nothing.
    if (site === overdueSite) clearOverdue();
    say(e.message, true);
  }
}

function overdueRow(o) {
  const row = el('tr');
  row.dataset.patientId = o.patientId;
  row.dataset.rule = o.ruleId;
  row.dataset.dueAt = o.dueAt;
  const who = el('td');
  who.append(button(`Open MRN ${o.mrn ?? '—'}`, () => openPatient(o.patientId)));
  row.append(who, el('td', InstrumentNames[o.instrument] ?? o.instrument), windowCell(o));
  return row;
}
