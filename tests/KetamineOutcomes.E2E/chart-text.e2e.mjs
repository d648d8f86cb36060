// Measures the trend chart's text as Chromium renders it: for each chart URL and size, every <text> must lie inside the
// canvas, no two may overlap, and no reference-line label may cover a data point. Prints one JSON line:
// { charts: n, texts: n, problems: [ "…" ] }; exits non-zero only when the browser or the service fails.
//   KO_BASE_URL   the service, e.g. http://127.0.0.1:5000
//   KO_API_KEY    a clinician key
//   KO_CHARTS     JSON array of chart paths (…/trends/phq9.svg), each drawn at every size in KO_SIZES
//   KO_SIZES      JSON array of [width, height]
//   KO_CHROMIUM   the browser (default /usr/bin/chromium, Debian's package)
import { chromium } from 'playwright-core';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const base = env('KO_BASE_URL');
const key = env('KO_API_KEY');
const charts = JSON.parse(env('KO_CHARTS'));
const sizes = JSON.parse(env('KO_SIZES'));

const browser = await chromium.launch({
  executablePath: env('KO_CHROMIUM', '/usr/bin/chromium'),
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const result = { charts: 0, texts: 0, problems: [] };
try {
  const page = await browser.newPage({ viewport: { width: 2600, height: 1400 } });
  for (const path of charts) {
    for (const [width, height] of sizes) {
      const response = await fetch(`${base}${path}?width=${width}&height=${height}`, { headers: { 'X-Api-Key': key } });
      if (!response.ok) throw new Error(`${path} ${width}×${height}: HTTP ${response.status}`);
      const svg = await response.text();
      await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
      const found = await page.evaluate(({ width, height }) => {
        const root = document.querySelector('svg');
        const origin = root.getBoundingClientRect();
        const box = (el) => {
          const r = el.getBoundingClientRect();
          return { left: r.left - origin.left, top: r.top - origin.top, right: r.right - origin.left, bottom: r.bottom - origin.top };
        };
        // Half a pixel of anti-aliasing either way is not a cut or an overlap.
        const e = 0.5;
        const overlap = (a, b) => a.left < b.right - e && b.left < a.right - e && a.top < b.bottom - e && b.top < a.bottom - e;
        const texts = [...root.querySelectorAll('text')].map((el) => ({ kind: el.dataset.kind ?? 'text', text: el.textContent, ...box(el) }));
        const points = [...root.querySelectorAll('circle[data-kind="point"], path[data-kind="item9"]')].map(box);
        const problems = [];
        for (const t of texts) {
          if (t.left < -e || t.top < -e || t.right > width + e || t.bottom > height + e)
            problems.push(`${t.kind} "${t.text}" [${t.left.toFixed(1)}, ${t.top.toFixed(1)}, ${t.right.toFixed(1)}, ${t.bottom.toFixed(1)}] is cut`);
        }
        for (let i = 0; i < texts.length; i++)
          for (let j = i + 1; j < texts.length; j++)
            if (overlap(texts[i], texts[j])) problems.push(`${texts[i].kind} "${texts[i].text}" overlaps ${texts[j].kind} "${texts[j].text}"`);
        for (const t of texts.filter((x) => /^(baseline|response|remission)-label$/.test(x.kind)))
          for (const p of points) if (overlap(t, p)) problems.push(`${t.kind} "${t.text}" sits on a data point`);
        return { texts: texts.length, problems };
      }, { width, height });
      result.charts += 1;
      result.texts += found.texts;
      result.problems.push(...found.problems.map((p) => `${path} at ${width}×${height}: ${p}`));
    }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
