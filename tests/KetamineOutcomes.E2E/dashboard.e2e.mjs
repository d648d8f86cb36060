// Drives the clinician dashboard in headless Chromium against a running service, as a clinician would: enter a key,
// find a patient by MRN, read the chart, status and infusions, acknowledge one of the patient's safety alerts.
// Checks the page with axe-core (WCAG 2 A and AA rules: labels, contrast, names, structure) with a patient open.
// Prints one JSON line of what it saw (the calling test checks it against the API); exits non-zero on any failure.
//   KO_BASE_URL   the service, e.g. http://127.0.0.1:5000
//   KO_API_KEY    a clinician key
//   KO_MRN, KO_SITE  the patient to open (it must have an open alert)
//   KO_SCREENSHOTS   folder for dashboard.png and chart.png
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

// The flags Debian's Chromium needs on a machine without network, display or sandbox privileges.
const browser = await chromium.launch({
  executablePath: env('KO_CHROMIUM', '/usr/bin/chromium'),
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
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
  await page.locator('#alerts li').first().waitFor();
  const alertsBefore = await page.locator('#alerts li').count();

  await page.getByLabel('MRN', { exact: true }).fill(mrn);
  await page.getByLabel('Site (optional)').fill(env('KO_SITE', ''));
  await page.getByRole('button', { name: 'Find patient' }).click();
  await page.locator('#chart svg [data-kind="point"]').first().waitFor();
  const chart = page.locator('#chart svg');
  const seen = {
    firstFocus, secondFocus, alertsBefore,
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

  // Acknowledge one of this patient's alerts from the queue, by keyboard-reachable controls.
  const item = page.locator('#alerts li', { hasText: `Open MRN ${mrn}` }).first();
  seen.acknowledged = await item.getAttribute('data-alert-id');
  await item.getByLabel('Note (what was done)').fill('Called the patient; safety plan reviewed (browser test).');
  await item.getByRole('button', { name: 'Acknowledge' }).click();
  await page.locator('#status', { hasText: 'Alert acknowledged' }).waitFor();
  await page.locator(`#alerts li[data-alert-id="${seen.acknowledged}"]`).waitFor({ state: 'detached' });
  seen.alertsAfter = await page.locator('#alerts li').count();
  // The rest of the queue, page by page.
  while (await page.locator('#more-alerts').isVisible()) {
    const shown = await page.locator('#alerts li').count();
    await page.locator('#more-alerts').click();
    await page.waitForFunction((n) => document.querySelectorAll('#alerts li').length > n
      || document.getElementById('more-alerts').hidden, shown);
  }
  seen.alertIds = await page.locator('#alerts li').evaluateAll((items) => items.map((li) => li.dataset.alertId));
  seen.storage = await page.evaluate(() => ({ session: sessionStorage.getItem('ko.apiKey') !== null, local: localStorage.length }));
  seen.problems = problems;
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
}
