// The dashboard's response watch in headless Chromium (issue 22): enter a key, read the worklist beside the alert
// queue, open its first patient and read the chart's loss-of-response marker; then, with KO_OTHER_KEY, enter a key the
// watch refuses (403) and read what is left of the list. Prints one JSON line of what it saw:
// { items: [{ patientId, kind, instrument, text }], marker: { total, label } | null,
//   refused: { before: { cards, more }, after: { cards, more, text } } | null }; exits non-zero on any failure.
//   KO_BASE_URL   the service, e.g. http://127.0.0.1:5000
//   KO_API_KEY    a clinician key
//   KO_OTHER_KEY  optional: a key of a role the watch refuses (e.g. researcher)
//   KO_SCREENSHOTS folder for response-watch.png
//   KO_CHROMIUM   the browser (default /usr/bin/chromium, Debian's package)
import { chromium } from 'playwright-core';
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
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(30000);
  await page.goto(`${env('KO_BASE_URL')}/`);
  await page.locator('#api-key').click();
  await page.keyboard.type(env('KO_API_KEY'));
  await page.keyboard.press('Enter');
  await page.locator('#watch > li').first().waitFor();
  const items = await page.locator('#watch > li').evaluateAll((lis) => lis.map((li) => ({
    patientId: li.dataset.patientId, kind: li.dataset.kind, instrument: li.dataset.instrument, text: li.innerText,
  })));
  await page.locator('#watch > li').first().getByRole('button').click();
  await page.locator('#chart circle[data-kind="loss-of-response"]').waitFor();
  const marker = await page.evaluate(() => {
    const ring = document.querySelector('#chart circle[data-kind="loss-of-response"]');
    const label = document.querySelector('#chart text[data-kind="loss-of-response-label"]');
    return ring ? { total: Number(ring.dataset.total), label: label?.textContent ?? null } : null;
  });
  await page.screenshot({ path: join(env('KO_SCREENSHOTS'), 'response-watch.png'), fullPage: true });

  let refused = null;
  if (process.env.KO_OTHER_KEY) {
    const state = () => page.evaluate(() => ({
      cards: document.querySelectorAll('#watch > li').length,
      alerts: document.querySelectorAll('#alerts > li').length,
      more: !document.getElementById('more-watch').hidden,
      text: document.getElementById('watch').innerText,
    }));
    const before = await state();
    const answered = page.waitForResponse((r) => r.url().includes('/response-watch'));
    await page.locator('#api-key').click();
    await page.keyboard.type(process.env.KO_OTHER_KEY);
    await page.keyboard.press('Enter');
    const response = await answered;
    // The refusal's body is read, then the list updated: give that a moment rather than wait for a state that may never come.
    await page.waitForTimeout(500);
    refused = { status: response.status(), before: { cards: before.cards, more: before.more, alerts: before.alerts }, after: await state() };
  }
  console.log(JSON.stringify({ items, marker, refused }));
} finally {
  await browser.close();
}
