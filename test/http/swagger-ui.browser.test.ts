import { existsSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/http/openapi.js';
import { parseTokensFile } from '../../src/domain/access/caller-tokens.js';
import { tokenGatekeeper } from '../../src/domain/access/gatekeeper.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

const TOKEN = 'swagger-ui-token-0123456789abcdef';

// Swagger UI's "Try it out" in a real headless Chromium (Debian's /usr/bin/chromium; .ci/run installs it).
const CHROMIUM = process.env.REGCRED_TEST_CHROMIUM ?? '/usr/bin/chromium';
const required = process.env.REGCRED_TEST_BROWSER === 'required';
const available = existsSync(CHROMIUM);
if (required && !available) throw new Error(`REGCRED_TEST_BROWSER=required but ${CHROMIUM} does not exist`);
const title = available ? 'Swagger UI in headless Chromium' : `Swagger UI in headless Chromium (SKIPPED: no ${CHROMIUM})`;

describe.skipIf(!available)(title, () => {
  let t: TestApp;
  let server: Server;
  let browser: Browser;
  let base: string;
  beforeAll(async () => {
    // Token mode, as `npm start` runs by default: the bearer token goes in through "Authorize".
    t = buildTestApp({
      gatekeeper: tokenGatekeeper(parseTokensFile(JSON.stringify([{ caller: 'swagger', token: TOKEN, namespaces: ['default'] }]))),
    });
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('lists every operation and, after "Authorize" with a bearer token, "Try it out" on PUT creates a pull secret', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/docs/`);
    await page.waitForSelector('.opblock', { timeout: 20_000 });
    const operations = Object.values(buildOpenApiDocument().paths as Record<string, object>).flatMap((item) =>
      Object.keys(item).filter((key) => ['get', 'put', 'post', 'delete', 'patch'].includes(key)),
    );
    expect(operations).toHaveLength(27);
    expect(await page.locator('.opblock').count()).toBe(operations.length);

    await page.locator('.auth-wrapper button.authorize').click();
    await page.locator('.modal-ux input[type="text"], .modal-ux input[type="password"]').first().fill(TOKEN);
    await page.locator('.modal-ux .auth-btn-wrapper button.authorize').click();
    await page.locator('.modal-ux .auth-btn-wrapper button.btn-done, .modal-ux button.close-modal').first().click();

    const operation = page.locator('#operations-pull_secrets-applyPullSecret');
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('input[placeholder="namespace"]').fill('default');
    await operation.locator('input[placeholder="name"]').fill('from-swagger');
    await operation.locator('button.execute').click();
    const status = operation.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor({ timeout: 20_000 });
    expect(await status.textContent()).toContain('201');
    expect(await t.cluster.readSecret('default', 'from-swagger')).toMatchObject({ type: 'kubernetes.io/dockerconfigjson' });
  }, 60_000);
});
