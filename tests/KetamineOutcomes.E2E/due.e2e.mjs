// The dashboard's measurement-plan views in headless Chromium (issue 21): enter a key, list a site's overdue
// assessments and page through them with "Show more overdue", open the first patient of the worklist and read its due
// list. axe-core (WCAG 2 A and AA) runs with both shown. Then the worklist is cleared where it must be: a load that
// fails (another, malformed site) leaves no rows and no "Show more" with the old cursor; "Forget key" hides
// "Nothing overdue". Prints one JSON line of what it saw:
// { overdue: [{ patientId, rule, dueAt, text }], patientId, due: [{ rule, status, dueAt, windowEnd, completedBy, text }],
//   accessibility: [...], afterFailedLoad: { rows, moreShown, emptyShown }, emptyShownForEmptySite,
//   emptyShownAfterForget, problems: [...] }; exits non-zero on any failure.
//   KO_BASE_URL   the service, e.g. http://127.0.0.1:5000
//   KO_API_KEY    a clinician key
//   KO_SITE       the site whose worklist to list
//   KO_SCREENSHOTS folder for due.png
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

const browser = await chromium.launch({
  executablePath: env('KO_CHROMIUM', '/usr/bin/chromium'),
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, timezoneId: 'America/New_York', locale: 'en-US' });
  page.setDefaultTimeout(30000);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  await page.goto(`${env('KO_BASE_URL')}/`);
  await page.locator('#api-key').fill(env('KO_API_KEY'));
  await page.keyboard.press('Enter');

  await page.getByLabel('Site', { exact: true }).fill(env('KO_SITE'));
  await page.getByRole('button', { name: 'Show overdue' }).click();
  await page.locator('#overdue > tr').first().waitFor();
  // "Show more overdue" until the worklist has no next page; each click must add rows.
  const more = page.getByRole('button', { name: 'Show more overdue' });
  let pages = 1;
  while (await more.isVisible()) {
    const before = await page.locator('#overdue > tr').count();
    await more.click();
    await page.waitForFunction((n) => document.querySelectorAll('#overdue > tr').length > n, before);
    pages++;
  }
  const overdue = await page.locator('#overdue > tr').evaluateAll((rows) => rows.map((tr) => ({
    patientId: tr.dataset.patientId, rule: tr.dataset.rule, dueAt: tr.dataset.dueAt,
    text: tr.innerText.replace(/[\u202f\u00a0]/g, ' ').trim(),
  })));

  const patientId = overdue[0].patientId;
  await page.locator('#overdue > tr').first().getByRole('button').click();
  await page.locator('#due > tr[data-rule]').first().waitFor();
  const due = await page.locator('#due > tr[data-rule]').evaluateAll((rows) => rows.map((tr) => {
    const times = tr.querySelectorAll('time');
    return {
      rule: tr.dataset.rule, status: tr.dataset.status, dueAt: times[0]?.dateTime, windowEnd: times[1]?.dateTime,
      completedBy: tr.querySelector('code')?.textContent ?? null, text: tr.innerText.replace(/[\u202f\u00a0]/g, ' ').trim(),
    };
  }));

  const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const accessibility = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  await page.screenshot({ path: join(env('KO_SCREENSHOTS'), 'due.png'), fullPage: true });

  // The first page again, then another site whose load fails (400 naming siteId): nothing of the first may stay.
  const site = page.getByLabel('Site', { exact: true });
  const show = page.getByRole('button', { name: 'Show overdue' });
  await site.fill(env('KO_SITE'));
  await show.click();
  await more.waitFor();
  await site.fill('not a site');
  await show.click();
  await page.locator('#status.error').waitFor();
  const afterFailedLoad = {
    rows: await page.locator('#overdue > tr').count(),
    moreShown: await more.isVisible(),
    emptyShown: await page.locator('#overdue-empty').isVisible(),
  };
  // A site with nothing overdue says so; forgetting the key takes that away too.
  await site.fill('no-patients-here');
  await show.click();
  await page.locator('#overdue-empty').waitFor();
  const emptyShownForEmptySite = await page.locator('#overdue-empty').isVisible();
  await page.getByRole('button', { name: 'Forget key' }).click();
  const emptyShownAfterForget = await page.locator('#overdue-empty').isVisible();
  // A load that fails leaves its message; no page errors beyond that one refused request.
  const refusedLoads = problems.filter((p) => p.includes('400'));
  console.log(JSON.stringify({
    overdue, pages, patientId, due, accessibility, afterFailedLoad, emptyShownForEmptySite, emptyShownAfterForget,
    problems: problems.filter((p) => !refusedLoads.includes(p)),
  }));
} finally {
  await browser.close();
}
