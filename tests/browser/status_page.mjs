// Loads the daemon's status page in Debian's chromium (headless, driven by playwright-core) and
// prints what the browser saw as one JSON object: the response's headers, the DOM's regions,
// alerts, failures and receivers, dialogs opened, elements and requests, and whether a phone
// has to scroll the whole page sideways. Saves a desktop and a phone screenshot.
// usage: node status_page.mjs URL SCREENSHOT.png PHONE_SCREENSHOT.png
import { chromium } from 'playwright-core';

const [url, screenshot, phoneScreenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // The machine's network is closed: no background connections, no first-run work.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const dialogs = [];
  const errors = [];
  const requests = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('request', (r) => requests.push(r.url()));
  const response = await page.goto(url, { waitUntil: 'load' });
  const dom = await page.evaluate(() => {
    const cells = (row) => [...row.cells].map((c) => c.textContent.trim());
    return {
      title: document.title,
      summary: document.getElementById('summary')?.textContent ?? '',
      version: document.getElementById('version')?.textContent ?? '',
      regions: [...document.querySelectorAll('tr.region')].map(cells),
      alerts: [...document.querySelectorAll('tr.alert')].map((row) => ({
        cells: cells(row),
        instance: row.querySelector('.instance').textContent,
        command: row.querySelector('.command').textContent,
        output: row.querySelector('.output').textContent,
        outputElements: row.querySelector('.output').children.length,
      })),
      failures: [...document.querySelectorAll('tr.failure')].map(cells),
      receivers: [...document.querySelectorAll('tr.receiver')].map(cells),
      images: document.querySelectorAll('img').length,
      scripts: document.querySelectorAll('script').length,
      elements: document.getElementsByTagName('*').length,
    };
  });
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  const phone = await page.evaluate(() => ({
    pageWidth: document.documentElement.scrollWidth,
    viewportWidth: window.innerWidth,
  }));
  await page.screenshot({ path: phoneScreenshot, fullPage: false });
  console.log(JSON.stringify({
    status: response.status(),
    headers: response.headers(),
    dialogs,
    errors,
    requests,
    dom,
    phone,
  }));
} finally {
  await browser.close();
}
