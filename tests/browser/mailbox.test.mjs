// Browser test of the local mailbox: a verification mail read in headless Chromium, then used.
//
// Registers a user with a fresh email over HTTP and waits (bounded) until the gateway's SES v2
// stand-in has captured the verification mail the auth and mailer functions send (GET $MAIL_URL?to=).
// Then, in Debian's Chromium (driven by playwright-core), opens $MAIL_URL/view?to=<address> and checks
// that the page shows the mail: the recipient, the subject, the verify link as an anchor, the text
// body, and the HTML body in a sandbox="" frame whose document holds the button-like link with the
// same href; and that nothing on the page can run a script (a CSP without script sources, no <script>
// in the page or the frame, no inline handlers). Last, it takes the token from the href of the anchor
// the browser shows (not from the JSON) and posts it to /auth/email/verify: 200 with
// "email_verified": true, so the mail as a developer reads it in the browser works end to end.
// Every request the page makes to a host other than the gateway is blocked and fails the test.
// Screenshots are saved to artifacts/browser/ (mailbox.png, mailbox-full.png) whether the test
// passes or fails, with the page's console messages and any blocked or broken requests in
// mailbox-console.txt.
//
//   BASE_URL=http://127.0.0.1:9000 MAIL_URL=http://127.0.0.1:9001/mail \
//     NODE_PATH=~/.cache/taskapi/browser/node_modules node tests/browser/mailbox.test.mjs
//
// (local/test's "browser" step runs it that way, after docs.test.mjs; MAIL_URL is in the stack's
// stack.env.) Settings (environment): BASE_URL (or the first argument), MAIL_URL (or the second
// argument: the gateway's /mail), CHROMIUM (default /usr/bin/chromium), BROWSER_ARTIFACTS (default
// artifacts/browser).

import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import assert from 'node:assert/strict';

import {
    ARTIFACTS, CHROMIUM, PASSWORD, ROOT, STEP_TIMEOUT_MS, TEST_TIMEOUT_MS, die, expectStatus,
    loadChromium, loopbackUrl, request,
} from './support.mjs';

const SCREENSHOT = path.join(ARTIFACTS, 'mailbox.png');
const SCREENSHOT_FULL = path.join(ARTIFACTS, 'mailbox-full.png');
const CONSOLE_FILE = path.join(ARTIFACTS, 'mailbox-console.txt');
const MAIL_DEADLINE_MS = 30_000; // how long the verification mail may take to be captured
const MAIL_POLL_MS = 250;
const VERIFY_PAGE = '/verify-email';
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{64}$/;
// The verification mail's button (functions/mailer/src/compose.rs, MailKind::EmailVerification).
const BUTTON_TEXT = 'Confirm my email address';
const SUBJECT_START = 'Confirm your email address for ';

const BASE_URL = loopbackUrl(process.argv[2] || process.env.BASE_URL, 'BASE_URL', 'http://127.0.0.1:9000');
const MAIL_URL = loopbackUrl(process.argv[3] || process.env.MAIL_URL, 'MAIL_URL', 'http://127.0.0.1:9001/mail (MAIL_URL in the stack.env)');
const MAIL = new URL(MAIL_URL);

// Where the mails' links go: the functions' FRONTEND_URL, which the local stack sets to its web app
// (WEB_URL, as local/test passes it); without WEB_URL, local/dev.env's.
function frontendUrl() {
    if (process.env.WEB_URL) return loopbackUrl(process.env.WEB_URL, 'WEB_URL', 'http://127.0.0.1:3000');
    const file = path.join(ROOT, 'local', 'dev.env');
    let text;
    try {
        text = readFileSync(file, 'utf8');
    } catch (error) {
        die(`cannot read ${file}: ${error.message}`);
    }
    const line = text.split('\n').find((l) => /^\s*FRONTEND_URL\s*=/.test(l));
    if (!line) die(`${file} sets no FRONTEND_URL`);
    return line.slice(line.indexOf('=') + 1).trim().replace(/^["']|["']$/g, '').replace(/\/+$/, '');
}
const FRONTEND_URL = frontendUrl();

const chromium = loadChromium();

// The mails captured for `address`, polled until there is one (at most MAIL_DEADLINE_MS).
async function waitForMail(address) {
    const url = `${MAIL_URL}?to=${encodeURIComponent(address)}`;
    const ends = Date.now() + MAIL_DEADLINE_MS;
    let last = '(no answer yet)';
    for (;;) {
        const response = await request('GET', url);
        assert.equal(response.status, 200, `GET ${url}: expected 200, got ${response.status}: ${response.text.slice(0, 500)}`);
        const results = response.json?.results;
        assert.ok(Array.isArray(results), `GET ${url} answered no "results" list: ${response.text.slice(0, 500)}`);
        if (results.length > 0) return results;
        last = response.text.slice(0, 500);
        if (Date.now() >= ends) {
            assert.fail(`no mail to ${address} was captured within ${MAIL_DEADLINE_MS / 1000}s (last answer: ${last}); ` +
                'see the stack logs (artifacts/logs/: watch.log, gateway.log)');
        }
        await new Promise((resolve) => setTimeout(resolve, MAIL_POLL_MS));
    }
}

test('GET /mail/view: the verification mail, read in Chromium, verifies the address', { timeout: TEST_TIMEOUT_MS }, async () => {
    // Whatever happens, the process ends: playwright's exit handler kills the browser it launched.
    const watchdog = setTimeout(() => die(`still running ${TEST_TIMEOUT_MS / 1000 + 15}s after the start`), TEST_TIMEOUT_MS + 15_000);
    watchdog.unref();

    mkdirSync(ARTIFACTS, { recursive: true });
    rmSync(SCREENSHOT, { force: true });
    rmSync(SCREENSHOT_FULL, { force: true });

    // --- Over HTTP: a fresh user with a fresh address, and the mail it gets --------------------------
    const id = randomUUID().replaceAll('-', '').slice(0, 16);
    const username = `browser_${id}`;
    const address = `browser.mailbox.${id}@example.com`; // lower case: the API stores it so
    const profile = await expectStatus(
        request('POST', `${BASE_URL}/auth/register`, { body: { username, email: address, password: PASSWORD } }), 201, 'POST /auth/register');
    assert.equal(profile?.email, address, `registration answered another email: ${JSON.stringify(profile)}`);
    assert.equal(profile?.email_verified, false, `a new address must start unverified: ${JSON.stringify(profile)}`);
    const mails = await waitForMail(address);
    assert.equal(mails.length, 1, `expected one mail to ${address}, got ${mails.length}: ${JSON.stringify(mails).slice(0, 1000)}`);
    const [mail] = mails;
    assert.ok(mail.subject.startsWith(SUBJECT_START), `unexpected subject: ${mail.subject}`);
    assert.ok(typeof mail.text === 'string' && typeof mail.html === 'string', `the mail lacks a text or an HTML body: ${JSON.stringify(mail).slice(0, 500)}`);
    console.log(`browser: user ${username}, mail ${mail.id} captured`);

    // --- The browser ----------------------------------------------------------------------------------
    const blocked = []; // requests to anywhere but the gateway
    const broken = []; // requests of the page that failed or answered an error
    const pageErrors = [];
    const consoleLines = [];
    const requests = []; // every request the page made
    const mailHost = MAIL.host; // host:port

    const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        timeout: STEP_TIMEOUT_MS,
        // --no-sandbox: Chromium refuses to run as root with its sandbox. The resolver rule is a second
        // wall behind the request blocking below: no name but the loopback ones resolves.
        args: ['--no-sandbox', `--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE ${MAIL.hostname}`],
    });
    let page;
    let passed = false;
    let screenshotTaken = false;
    const screenshots = async () => {
        await page.screenshot({ path: SCREENSHOT, timeout: STEP_TIMEOUT_MS });
        await page.screenshot({ path: SCREENSHOT_FULL, fullPage: true, timeout: STEP_TIMEOUT_MS });
        screenshotTaken = true;
        console.log(`browser: screenshots ${path.relative(process.cwd(), SCREENSHOT) || SCREENSHOT}, mailbox-full.png`);
    };
    try {
        const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
        context.setDefaultTimeout(STEP_TIMEOUT_MS);
        await context.route('**/*', async (route) => {
            const url = new URL(route.request().url());
            requests.push(`${route.request().method()} ${url.href}`);
            if ((url.protocol === 'http:' || url.protocol === 'https:') && url.host !== mailHost) {
                blocked.push(`${route.request().method()} ${url.href}`);
                return route.abort('blockedbyclient');
            }
            return route.continue();
        });
        page = await context.newPage();
        page.on('pageerror', (error) => pageErrors.push(String(error)));
        page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
        page.on('response', (response) => {
            if (response.status() >= 400) broken.push(`${response.status()} ${response.request().resourceType()} ${response.url()}`);
        });
        page.on('requestfailed', (failed) => {
            if (new URL(failed.url()).host === mailHost) broken.push(`failed (${failed.failure()?.errorText}) ${failed.url()}`);
        });

        const viewUrl = `${MAIL_URL}/view?to=${encodeURIComponent(address)}`;
        const response = await page.goto(viewUrl, { waitUntil: 'load' });
        assert.ok(response, `GET ${viewUrl} gave no response`);
        assert.equal(response.status(), 200, `GET ${viewUrl} answered ${response.status()}`);
        assert.match(response.headers()['content-type'] ?? '', /^text\/html\b/, 'the mailbox page is not HTML');

        // No script can run: the policy allows none (default-src 'none', no script-src), and there is none.
        const csp = response.headers()['content-security-policy'] ?? '';
        const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name.toLowerCase(), values]));
        assert.deepEqual(directives.get('default-src'), ["'none'"], `the page's CSP does not default to 'none': ${csp || '(no CSP header)'}`);
        for (const name of ['script-src', 'script-src-elem', 'script-src-attr']) {
            assert.ok(!directives.has(name), `the page's CSP allows scripts (${name}): ${csp}`);
        }
        const scriptLike = await page.evaluate(() => ({
            scripts: document.querySelectorAll('script').length,
            handlers: [...document.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.localName}[${a.name}]`)),
            jsLinks: [...document.querySelectorAll('[href], [src], [action]')].filter((el) => /^\s*javascript:/i.test(el.getAttribute('href') ?? el.getAttribute('src') ?? el.getAttribute('action'))).length,
        }));
        assert.deepEqual(scriptLike, { scripts: 0, handlers: [], jsLinks: 0 }, 'the mailbox page holds script');

        // The one mail, as the page shows it.
        await page.locator('h1').filter({ hasText: `Captured mail to ${address}` }).waitFor({ state: 'visible' });
        const article = page.locator('article');
        assert.equal(await article.count(), 1, `expected one mail on the page, got ${await article.count()}`);
        assert.equal((await article.locator('h2').innerText()).trim(), mail.subject, 'the page shows another subject');
        const fields = Object.fromEntries((await article.locator('dl').evaluate((dl) =>
            [...dl.querySelectorAll('dt')].map((dt) => [dt.textContent.trim(), dt.nextElementSibling?.textContent.trim()]))));
        assert.equal(fields.To, address, `the page shows another recipient: ${JSON.stringify(fields)}`);
        assert.equal(fields.From, mail.from, `the page shows another sender: ${JSON.stringify(fields)}`);
        assert.equal(fields.Id, mail.id, `the page shows another mail id: ${JSON.stringify(fields)}`);

        // The verify link, as an anchor of the page: read its href in the browser.
        const anchors = await article.locator('ul.links a').evaluateAll((links) => links.map((a) => ({ href: a.getAttribute('href'), text: a.textContent.trim() })));
        const verifyAnchors = anchors.filter(({ href }) => href?.startsWith(`${FRONTEND_URL}${VERIFY_PAGE}?`));
        assert.equal(verifyAnchors.length, 1, `expected one ${FRONTEND_URL}${VERIFY_PAGE} link among the page's anchors: ${JSON.stringify(anchors)}`);
        const [{ href, text: anchorText }] = verifyAnchors;
        assert.equal(anchorText, href, 'the link is not shown as its own address');
        const shownLink = new URL(href);
        assert.equal(`${shownLink.origin}${shownLink.pathname}`, `${FRONTEND_URL}${VERIFY_PAGE}`, `unexpected link: ${href}`);
        assert.deepEqual([...shownLink.searchParams.keys()], ['token'], `the link carries more than a token: ${href}`);
        const token = shownLink.searchParams.get('token');
        assert.match(token, TOKEN_SHAPE, `the link's token is not 64 URL-safe characters: ${href}`);
        assert.ok(await article.locator(`ul.links a[href="${href}"]`).isVisible(), 'the verify link is not visible');

        // The text body, as it was sent, with the same link.
        const textBody = await article.locator('h3:text-is("Text") + pre').innerText();
        assert.equal(textBody.trimEnd(), mail.text.trimEnd(), 'the page shows another text body');
        assert.ok(textBody.includes(href), 'the text body does not hold the link shown');

        // The HTML body: in a frame with an empty sandbox (no scripts, no navigation, no forms), holding
        // the mail's HTML as sent, rendered with the button-like link to the same address.
        const iframe = article.locator('iframe');
        assert.equal(await iframe.count(), 1, 'expected one frame for the HTML body');
        assert.equal(await iframe.getAttribute('sandbox'), '', 'the HTML body\'s frame is not sandbox=""');
        assert.equal(await iframe.getAttribute('srcdoc'), mail.html, 'the frame does not hold the mail\'s HTML body');
        await iframe.scrollIntoViewIfNeeded();
        const frame = page.frameLocator('article iframe');
        const button = frame.locator('a', { hasText: BUTTON_TEXT });
        await button.waitFor({ state: 'visible' });
        assert.equal(await button.count(), 1, `expected one "${BUTTON_TEXT}" link in the HTML body`);
        assert.equal(await button.getAttribute('href'), href, 'the HTML body\'s button links elsewhere than the page\'s anchor');
        const look = await button.evaluate((a) => {
            const style = getComputedStyle(a);
            return { display: style.display, background: style.backgroundColor, decoration: style.textDecorationLine };
        });
        assert.equal(look.display, 'inline-block', `the button is not rendered as a button: ${JSON.stringify(look)}`);
        assert.notEqual(look.background, 'rgba(0, 0, 0, 0)', `the button has no background: ${JSON.stringify(look)}`);
        const frameDoc = await frame.locator('html').evaluate((root) => ({
            url: root.ownerDocument.URL,
            scripts: root.ownerDocument.querySelectorAll('script').length,
            hrefs: [...root.ownerDocument.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
            text: root.ownerDocument.body.innerText,
        }));
        assert.equal(frameDoc.url, 'about:srcdoc', `the HTML body is not the frame's srcdoc document: ${frameDoc.url}`);
        assert.equal(frameDoc.scripts, 0, 'the HTML body holds a script');
        assert.ok(frameDoc.hrefs.length > 0 && frameDoc.hrefs.every((h) => h === href), `the HTML body links elsewhere: ${JSON.stringify(frameDoc.hrefs)}`);
        assert.ok(frameDoc.text.includes(`Hello ${username},`), `the HTML body does not greet ${username}: ${frameDoc.text.slice(0, 300)}`);

        assert.deepEqual(blocked, [], `the page tried to reach hosts other than the gateway (blocked): ${blocked.join(', ')}`);
        assert.deepEqual(broken, [], `requests of the page failed: ${broken.join(', ')}`);
        assert.deepEqual(pageErrors, [], `uncaught errors in the page: ${pageErrors.join(' | ')}`);
        const errors = consoleLines.filter((line) => line.startsWith('error:'));
        assert.deepEqual(errors, [], `the page logged errors (a refused load or script?): ${errors.join(' | ')}`);
        assert.deepEqual(requests, [`GET ${viewUrl}`], `the page loaded more than itself: ${requests.join(', ')}`);

        await page.locator('h1').scrollIntoViewIfNeeded();
        await screenshots();

        // The token of the link the browser showed verifies the address.
        const verified = await expectStatus(request('POST', `${BASE_URL}/auth/email/verify`, { body: { token } }), 200, 'POST /auth/email/verify');
        assert.equal(verified?.email_verified, true, `the address is not verified: ${JSON.stringify(verified)}`);
        assert.equal(verified?.email, address, `another address was verified: ${JSON.stringify(verified)}`);
        assert.equal(verified?.username, username, `another user was verified: ${JSON.stringify(verified)}`);
        console.log(`browser: the mailbox page showed mail ${mail.id} to ${address}; its link's token verified the address; ` +
            'no script, no request beyond the page');
        passed = true;
    } finally {
        if (page && !screenshotTaken) {
            try {
                await screenshots();
            } catch (error) {
                console.error(`browser: could not save the screenshot: ${error.message}`);
            }
        }
        const record = [
            ...consoleLines,
            ...requests.map((line) => `request: ${line}`),
            ...blocked.map((line) => `blocked: ${line}`),
            ...broken.map((line) => `broken: ${line}`),
            ...pageErrors.map((line) => `pageerror: ${line}`),
        ];
        writeFileSync(CONSOLE_FILE, record.join('\n') + '\n');
        if (!passed) {
            // CI keeps only the output: what the page said belongs in it.
            console.error(`browser: the page's console and requests:\n  ${record.join('\n  ') || '(nothing)'}`);
        }
        await browser.close();
        clearTimeout(watchdog);
    }
});
