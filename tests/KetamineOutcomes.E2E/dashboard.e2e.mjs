// Drives the clinician dashboard in headless Chromium against a running service, as a clinician would: enter a key,
// find a patient by MRN, read the chart, status and infusions, acknowledge one of the patient's safety alerts.
// Checks the page with axe-core (WCAG 2 A and AA rules: labels, contrast, names, structure) with a patient open, and
// reads every alert card of the queue (level colours, texts, times, whether anything cuts it) for the calling test.
// The browser runs in America/New_York (en-US), so times must carry that zone, not the service's UTC.
// Prints one JSON line of what it saw (the calling test checks it against the API); exits non-zero on any failure.
//   KO_BASE_URL   the service, e.g. http://127.0.0.1:5000
//   KO_API_KEY    a clinician key
//   KO_MRN, KO_SITE  the patient to open (it must have an open alert)
//   KO_PATIENT_ID    that patient's id; KO_MARK_QUESTIONNAIRE: one of its live PHQ-9s to mark entered in error in the page;
//                    KO_MARK_INFUSION: one of its live infusions that the script marks through the API while the page's
//                    confirm step for it is open (the page must explain the refusal)
//   KO_SCREENSHOTS   folder for dashboard.png, chart.png and alert-queue.png
//   KO_CHROMIUM   the browser (default /usr/bin/chromium, Debian's package)
import { chromium } from 'playwright-core';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const base = env('KO_BASE_URL');
const mrn = env('KO_MRN');
const shots = env('KO_SCREENSHOTS');

// Runs in the page for each alert card: what it shows, its level colours as HSL, and whether any ancestor that clips
// (overflow other than visible) cuts it, or its own content overflows it. Self-contained: Playwright sends its source.
function readCards(items) {
  const hsl = (css) => {
    const [r, g, b] = (css.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map((v) => Number(v) / 255);
    const max = Math.max(r, g, b), min = Math.min(r, g, b), l = (max + min) / 2, d = max - min;
    if (d === 0) return { h: 0, s: 0, l, css };
    const s = d / (1 - Math.abs(2 * l - 1));
    let h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
    h = (h * 60 + 360) % 360;
    return { h, s, l, css };
  };
  const cut = (node) => {
    const r = node.getBoundingClientRect();
    for (let a = node.parentElement; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowY === 'visible' && style.overflowX === 'visible') continue;
      const box = a.getBoundingClientRect();
      const top = box.top + a.clientTop, bottom = top + a.clientHeight;
      if (r.top < top - 0.5 || r.bottom > bottom + 0.5) return `cut by ${a.id || a.tagName}`;
    }
    return node.scrollHeight > node.clientHeight + 1 ? 'its content overflows' : null;
  };
  const text = (node) => (node?.innerText ?? '').replace(/[\u202f\u00a0]/g, ' ').trim();
  return items.map((li) => {
    const level = li.querySelector('.level');
    const completed = li.querySelector('.times time');
    return {
      id: li.dataset.alertId, level: li.dataset.level, levelText: text(level),
      border: hsl(getComputedStyle(li).borderLeftColor), badge: hsl(getComputedStyle(level).backgroundColor),
      answers: [...li.querySelectorAll('.answer')].map(text),
      completedAt: completed?.dateTime, completedText: text(completed), age: text(li.querySelector('.age')),
      text: text(li), cut: cut(li),
    };
  });
}

// The flags Debian's Chromium needs on a machine without network, display or sandbox privileges.
const browser = await chromium.launch({
  executablePath: env('KO_CHROMIUM', '/usr/bin/chromium'),
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, timezoneId: 'America/New_York', locale: 'en-US' });
  page.setDefaultTimeout(15000);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });

  await page.goto(`${base}/`);
  // Keyboard first: the skip link, then the key field is reachable with Tab.
  await page.keyboard.press('Tab');
  const firstFocus = await page.evaluate(() => document.activeElement?.textContent?.trim());
  await page.keyboard.press('Tab');
  const secondFocus = await page.evaluate(() => document.activeElement?.id);
  await page.keyboard.type(env('KO_API_KEY'));
  await page.keyboard.press('Enter');
  await page.locator('#alerts > li').first().waitFor();
  const alertsBefore = await page.locator('#alerts > li').count();
  // The first screen of the queue, as a clinician sees it on opening the page: no card may be cut.
  const firstCards = await page.locator('#alerts > li').evaluateAll(readCards);

  await page.getByLabel('MRN', { exact: true }).fill(mrn);
  await page.getByLabel('Site (optional)').fill(env('KO_SITE', ''));
  await page.getByRole('button', { name: 'Find patient' }).click();
  await page.locator('#chart svg [data-kind="point"]').first().waitFor();
  const chart = page.locator('#chart svg');
  const seen = {
    firstFocus, secondFocus, alertsBefore, firstCards,
    title: await page.locator('#patient-title').innerText(),
    chartTitle: await chart.locator('title#chart-title').textContent(),
    points: await chart.locator('[data-kind="point"]').count(),
    infusionMarkers: await chart.locator('line[data-kind="infusion"]').count(),
    item9Flags: await chart.locator('[data-kind="item9"]').count(),
    lines: await chart.locator('line[data-kind="baseline"], line[data-kind="response"], line[data-kind="remission"]').count(),
    bands: await chart.locator('[data-kind="band"]').count(),
    chartWidth: (await chart.boundingBox())?.width ?? 0,
    summary: await page.locator('#summary').innerText(),
    infusionRows: await page.locator('#infusions tr').count(),
  };
  // axe-core evaluated through the DevTools protocol, which the page's CSP does not govern; the page itself still runs
  // under it (a blocked script or style would show up in problems).
  const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  seen.accessibility = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help, target: v.nodes[0]?.target }));
  });
  await page.screenshot({ path: join(shots, 'dashboard.png'), fullPage: true });
  await page.locator('#chart-figure').screenshot({ path: join(shots, 'chart.png') });
  // The head of the queue at full size: its first four cards.
  const clip = await page.evaluate(() => {
    const queue = document.getElementById('alerts-section').getBoundingClientRect();
    const fourth = document.querySelectorAll('#alerts > li')[3].getBoundingClientRect();
    return { x: queue.x + scrollX, y: queue.y + scrollY, width: queue.width, height: fourth.bottom + 8 - queue.y };
  });
  await page.screenshot({ path: join(shots, 'alert-queue.png'), fullPage: true, clip });

  // Acknowledge one of this patient's alerts from the queue, by keyboard-reachable controls.
  const item = page.locator('#alerts > li', { hasText: `Open MRN ${mrn}` }).first();
  seen.acknowledged = await item.getAttribute('data-alert-id');
  await item.getByLabel('Note (what was done)').fill('Called the patient; safety plan reviewed (browser test).');
  await item.getByRole('button', { name: 'Acknowledge' }).click();
  await page.locator('#status', { hasText: 'Alert acknowledged' }).waitFor();
  await page.locator(`#alerts > li[data-alert-id="${seen.acknowledged}"]`).waitFor({ state: 'detached' });
  seen.alertsAfter = await page.locator('#alerts > li').count();
  // The rest of the queue, page by page.
  while (await page.locator('#more-alerts').isVisible()) {
    const shown = await page.locator('#alerts > li').count();
    await page.locator('#more-alerts').click();
    await page.waitForFunction((n) => document.querySelectorAll('#alerts > li').length > n
      || document.getElementById('more-alerts').hidden, shown);
  }
  seen.alertIds = await page.locator('#alerts > li').evaluateAll((items) => items.map((li) => li.dataset.alertId));
  // Every card of the whole queue (all levels), and axe-core again over all of them.
  seen.cards = await page.locator('#alerts > li').evaluateAll(readCards);
  seen.accessibilityAllCards = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help, target: v.nodes[0]?.target }));
  });

  // Corrections: mark one PHQ-9 entered in error through the confirm step; the chart loses its point and the history
  // shows both versions, by whom and why.
  const axeNow = () => page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help, target: v.nodes[0]?.target }));
  });
  const points = () => page.locator('#chart svg [data-kind="point"]').count();
  const marked = { pointsBefore: await points() };
  const row = page.locator(`#questionnaires tr[data-record-id="${env('KO_MARK_QUESTIONNAIRE')}"]`);
  await row.getByRole('button', { name: 'Mark entered in error' }).click();
  await page.locator('#correction').waitFor();
  marked.record = await page.locator('#correction-record').innerText();
  marked.accessibility = await axeNow();
  await page.getByLabel('Reason (required)').fill('Entered on the wrong patient (browser test).');
  await page.getByRole('button', { name: 'Confirm: mark entered in error' }).click();
  await page.locator('#status', { hasText: 'Marked entered in error' }).waitFor();
  marked.status = await page.locator('#status').innerText();
  marked.pointsAfter = await points();
  marked.rowStatus = await row.locator('td').nth(2).innerText();
  marked.rowButtons = await row.getByRole('button').allInnerTexts();
  await page.locator('#history-versions > li').first().waitFor();
  marked.history = await page.locator('#history-versions > li').evaluateAll((items) =>
    items.map((li) => ({ version: li.dataset.version, text: li.innerText })));
  marked.accessibilityWithHistory = await axeNow();
  await page.locator('#patient').screenshot({ path: join(shots, 'corrections.png') });
  seen.marked = marked;

  // A marking that lost a race: the page's confirm step is open while the same infusion is marked through the API.
  // Chromium logs the refused request (409) on the console: kept apart from the problems, for the test to check.
  const problemsBeforeRace = problems.length;
  const infusion = env('KO_MARK_INFUSION');
  const infusionRow = page.locator(`#infusions tr[data-record-id="${infusion}"]`);
  await infusionRow.getByRole('button', { name: 'Mark entered in error' }).click();
  await page.locator('#correction').waitFor();
  const raced = await fetch(`${base}/api/v1/patients/${env('KO_PATIENT_ID')}/infusions/${infusion}/entered-in-error`, {
    method: 'POST', headers: { 'X-Api-Key': env('KO_API_KEY'), 'Content-Type': 'application/json' },
    body: JSON.stringify({ reason: 'Marked meanwhile at the front desk (browser test).' }),
  });
  await page.getByLabel('Reason (required)').fill('Never happened (browser test).');
  await page.getByRole('button', { name: 'Confirm: mark entered in error' }).click();
  await page.locator('#status.error', { hasText: 'Not marked' }).waitFor();
  seen.conflict = {
    apiStatus: raced.status, status: await page.locator('#status').innerText(),
    rowStatus: await infusionRow.locator('td').nth(4).innerText(), correctionHidden: await page.locator('#correction').isHidden(),
    console: problems.splice(problemsBeforeRace),
  };
  seen.storage = await page.evaluate(() => ({ session: sessionStorage.getItem('ko.apiKey') !== null, local: localStorage.length }));
  seen.problems = problems;
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
}
