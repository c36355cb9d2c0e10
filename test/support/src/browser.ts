import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium; `npx playwright install` cannot download a browser here (FACTS.md). */
export const CHROMIUM = process.env.ANNEX_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless Chromium with the flags this machine needs: no sandbox as root, and no background
 * networking, which would flood the closed network with refused connections.
 */
export async function launchBrowser(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // Playwright gives every launch a fresh, temporary profile (the --user-data-dir of FACTS.md).
  });
  return {
    browser,
    close: () => browser.close(),
  };
}
