// A clinician signs in to the dashboard at the OpenID provider (authorization code + PKCE), acknowledges an alert as
// themself, and signs out, in headless Chromium against a running service whose /dashboard/config.json names the issuer.
// Records what went over the wire (the authorization request, the token request, the API calls' credentials) and what
// the tab keeps, for the calling test (DashboardSignInBrowserTests) to check; prints one JSON line, exits non-zero on
// any failure.
//   KO_BASE_URL                 the service, e.g. http://127.0.0.1:5000 (the dashboard is at /)
//   KO_ISSUER                   the provider, e.g. http://127.0.0.1:41234
//   KO_USERNAME, KO_PASSWORD    the person's account at the provider
//   KO_NAME                     the name the dashboard must show once signed in
//   KO_SCREENSHOTS              folder for signed-in.png
//   KO_CHROMIUM                 the browser (default /usr/bin/chromium, Debian's package)
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
const issuer = env('KO_ISSUER');
const name = env('KO_NAME');

const browser = await chromium.launch({
  executablePath: env('KO_CHROMIUM', '/usr/bin/chromium'),
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, locale: 'en-US' });
  page.setDefaultTimeout(15000);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // The provider answers the wrong password with its form again; the dashboard logs nothing itself.
  // Chromium logs every 4xx; the 401s the spoiled token gets (below) are the point of that step.
  let refusalExpected = false;
  page.on('console', (m) => {
    if (m.type() !== 'error' || (refusalExpected && m.text().includes('status of 401'))) return;
    problems.push(`console: ${m.text()} (${m.location().url})`);
  });

  // Every API call with the credentials it carried; the issuer's authorization and token requests.
  const apiCalls = [];
  let authorize = null;
  let tokenRequest = null;
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.origin === base && url.pathname.startsWith('/api/v1/')) {
      const h = r.headers();
      apiCalls.push({ path: url.pathname, authorization: h.authorization ?? null, apiKey: h['x-api-key'] ?? null });
    } else if (url.origin === issuer && url.pathname === '/auth') {
      authorize = Object.fromEntries(url.searchParams);
    } else if (url.origin === issuer && r.method() === 'POST' && url.pathname === '/token') {
      tokenRequest = Object.fromEntries(new URLSearchParams(r.postData() ?? ''));
    }
  });
  const storage = () => page.evaluate(() => ({
    session: Object.fromEntries(Object.keys(sessionStorage).map((k) => [k, sessionStorage.getItem(k)])),
    localKeys: Object.keys(localStorage),
  }));
  const storedToken = (kept) => Object.entries(kept.session).filter(([k]) => k.startsWith('oidc.user:'))
    .map(([, v]) => JSON.parse(v).access_token)[0] ?? null;
  let loginPages = 0;
  page.on('framenavigated', (f) => { if (f === page.mainFrame() && f.url().startsWith(`${issuer}/interaction/`)) loginPages += 1; });

  await page.goto(`${base}/`);
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  const seen = {
    keySectionHidden: await page.locator('#key-section').isHidden(),
    before: await page.locator('#signed-in-as').innerText(),
  };

  // The provider's login page: a wrong password first (refused there), then the right one.
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((u) => u.origin === issuer && u.pathname.startsWith('/interaction/'));
  await page.getByLabel('Username').fill(env('KO_USERNAME'));
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  seen.wrongPassword = await page.getByRole('alert').innerText();
  await page.getByLabel('Username').fill(env('KO_USERNAME'));
  await page.getByLabel('Password').fill(env('KO_PASSWORD'));
  await page.getByRole('button', { name: 'Sign in' }).click();

  // Back on the dashboard, signed in: the name shown, the code gone from the address, the queue loaded with the token.
  await page.waitForURL((u) => u.origin === base);
  await page.locator('#signed-in-as', { hasText: `Signed in as ${name}.` }).waitFor();
  seen.signedInAs = await page.locator('#signed-in-as').innerText();
  seen.addressAfterSignIn = page.url();
  await page.locator('#alerts > li').first().waitFor();
  seen.signOutVisible = await page.getByRole('button', { name: 'Sign out' }).isVisible();
  await page.screenshot({ path: join(env('KO_SCREENSHOTS'), 'signed-in.png'), fullPage: true });
  // axe-core (WCAG 2.1 A/AA) over the signed-in page, evaluated through the DevTools protocol as in dashboard.e2e.mjs.
  await page.evaluate(await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
  seen.accessibility = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help, target: v.nodes[0]?.target }));
  });

  // Acknowledge the alert at the head of the queue.
  const item = page.locator('#alerts > li').first();
  seen.acknowledged = await item.getAttribute('data-alert-id');
  await item.getByLabel('Note (what was done)').fill('Called the patient; safety plan reviewed (sign-in browser test).');
  await item.getByRole('button', { name: 'Acknowledge' }).click();
  await page.locator('#status', { hasText: 'Alert acknowledged' }).waitFor();
  await page.locator(`#alerts > li[data-alert-id="${seen.acknowledged}"]`).waitFor({ state: 'detached' });
  const signedIn = await storage();
  // The token itself stays in this script: only whether each call carried it is printed.
  const token = storedToken(signedIn);
  seen.hadToken = token !== null;
  seen.localStorageWhileSignedIn = signedIn.localKeys;
  const described = (calls) => calls.map((c) => ({
    path: c.path, bearerToken: token !== null && c.authorization === `Bearer ${token}`, authorization: c.authorization !== null, apiKey: c.apiKey !== null,
  }));
  seen.callsSignedIn = described(apiCalls.splice(0));

  // A token the service refuses (its signature spoiled in storage, then the page reloaded) ends the sign-in: the page
  // forgets it and asks again; the issuer's own session signs the person straight back in, without its login page.
  await page.evaluate(() => {
    const key = Object.keys(sessionStorage).find((k) => k.startsWith('oidc.user:'));
    const kept = JSON.parse(sessionStorage.getItem(key));
    kept.access_token = `${kept.access_token.slice(0, -6)}${kept.access_token.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA'}`;
    sessionStorage.setItem(key, JSON.stringify(kept));
  });
  refusalExpected = true;
  await page.reload();
  await page.locator('#status', { hasText: 'Your sign-in has ended: sign in again.' }).waitFor();
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  seen.refused = {
    calls: apiCalls.splice(0).map((c) => ({ path: c.path, authorization: c.authorization !== null })),
    signedInAs: await page.locator('#signed-in-as').innerText(),
    tokenKept: Object.keys((await storage()).session).some((k) => k.startsWith('oidc.user:')),
  };
  const loginPagesBefore = loginPages;
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.locator('#signed-in-as', { hasText: `Signed in as ${name}.` }).waitFor();
  await page.locator('#alerts > li').first().waitFor();
  refusalExpected = false; // the refused page is gone: both its calls have had their answers
  seen.signedInAgain = { loginPages: loginPages - loginPagesBefore, address: page.url() };
  const tokenAgain = storedToken(await storage());
  seen.signedInAgain.newToken = tokenAgain !== null && tokenAgain !== token;
  seen.signedInAgain.calls = apiCalls.splice(0).map((c) => ({
    path: c.path, bearerToken: tokenAgain !== null && c.authorization === `Bearer ${tokenAgain}`, apiKey: c.apiKey !== null,
  }));

  // Sign out: the provider asks once, then sends the tab back.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((u) => u.origin === issuer);
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL((u) => u.origin === base);
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  await page.locator('#status', { hasText: 'Signed out.' }).waitFor().catch(async (e) => {
    throw new Error(`${e.message}; status: ${await page.locator('#status').innerText()}; at ${page.url()}`);
  });
  seen.afterSignOut = await page.locator('#signed-in-as').innerText();
  seen.alertsAfterSignOut = await page.locator('#alerts > li').count();
  const signedOut = await storage();
  seen.storageAfterSignOut = Object.keys(signedOut.session);
  seen.tokenKeptAfterSignOut = Object.values(signedOut.session).some((v) => [token, tokenAgain].some((t) => t !== null && v.includes(t)));
  seen.localStorageAfterSignOut = signedOut.localKeys;

  // Nothing to call as: the page says so instead of calling.
  await page.getByRole('button', { name: 'Refresh queue' }).click();
  await page.locator('#status', { hasText: 'Sign in first.' }).waitFor();
  seen.callsSignedOut = described(apiCalls.splice(0));

  seen.authorize = authorize;
  seen.tokenRequest = tokenRequest && { ...tokenRequest, code: tokenRequest.code ? '(present)' : null, code_verifier: tokenRequest.code_verifier ? '(present)' : null };
  seen.problems = problems;
  process.stdout.write(`${JSON.stringify(seen)}\n`);
} finally {
  await browser.close();
}
