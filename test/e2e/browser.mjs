// Debian's Chromium driven by playwright-core (playwright cannot download its own browsers here).
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.DMGW_CHROMIUM ?? '/usr/bin/chromium';

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}
