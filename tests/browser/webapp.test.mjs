// Browser test of the web app (web/), served by the local stack on its own origin, in headless Chromium.
//
// One whole journey, as a user would make it, located by role and label:
//   sign up (a refused password first: its message stands next to the field), the address confirmed
//   through the mail's link, opened in the app (the captured mailbox); the refresh token only
//   in an HttpOnly cookie that no script can read (document.cookie, localStorage, sessionStorage);
//   tasks: create, complete, delete, filter, a reload that keeps the session through the cookie, "load more",
//   and an edit that meets a change made meanwhile over the API (412: shown, then resolved);
//   money: a budget and expenses over it, the summary chart marking the category over budget with the
//   API's exact amounts, an invalid amount refused next to its field;
//   live: a task made in a second tab, and one made over the API, appear in the first without a reload;
//   sign out (the other tab follows), and back in; the account page lists this device's session;
//   the same app on a phone-sized screen; a forgotten password reset through the mail's link, and a
//   sign-in with the new one; the account: a taken username and a wrong password refused next to
//   their fields, a rename, another session ended (its access token refused at once), a password
//   change that keeps this tab signed in, and the account deleted.
// No request may leave the machine. Screenshots go to artifacts/browser/webapp-*.png, pass or fail.
//
//   WEB_URL=http://127.0.0.1:3000 BASE_URL=http://127.0.0.1:9000 MAIL_URL=http://127.0.0.1:9001/mail \
//     NODE_PATH=~/.cache/taskapi/browser/node_modules node tests/browser/webapp.test.mjs
//
// (local/test's "browser" step runs it that way.) Settings: WEB_URL, BASE_URL, MAIL_URL, CHROMIUM,
// BROWSER_ARTIFACTS (default artifacts/browser).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'node:test';

import { ARTIFACTS, CHROMIUM, PASSWORD, STEP_TIMEOUT_MS, die, expectStatus, loadChromium, loopbackUrl, request } from './support.mjs';

const WEB_URL = loopbackUrl(process.env.WEB_URL, 'WEB_URL', 'http://127.0.0.1:3000');
const BASE_URL = loopbackUrl(process.env.BASE_URL, 'BASE_URL', 'http://127.0.0.1:9000');
const MAIL_URL = loopbackUrl(process.env.MAIL_URL, 'MAIL_URL', 'http://127.0.0.1:9001/mail (MAIL_URL in the stack.env)');
const JOURNEY_TIMEOUT_MS = 240_000; // many steps, each bounded by STEP_TIMEOUT_MS
const LIVE_TIMEOUT_MS = 10_000; // the contract: about a second; this is generous
const chromium = loadChromium();

const shot = (name) => path.join(ARTIFACTS, `webapp-${name}.png`);

test('the web app: a whole journey in Chromium', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const watchdog = setTimeout(() => die(`still running ${JOURNEY_TIMEOUT_MS / 1000 + 15}s after the start`), JOURNEY_TIMEOUT_MS + 15_000);
    watchdog.unref();
    mkdirSync(ARTIFACTS, { recursive: true });
    rmSync(shot('failure'), { force: true });

    const id = randomUUID().replaceAll('-', '').slice(0, 12);
    const username = `web_${id}`;
    const email = `web.${id}@example.com`;
    const allowedHosts = new Set([new URL(WEB_URL).host, new URL(BASE_URL).host]);
    const blocked = [];
    const pageErrors = [];
    const consoleLines = [];

    const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        timeout: STEP_TIMEOUT_MS,
        args: ['--no-sandbox', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
    });
    let page;
    const step = async (what, action) => {
        console.log(`browser: ${what}`);
        await action();
    };
    try {
        const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
        context.setDefaultTimeout(STEP_TIMEOUT_MS);
        await context.route('**/*', (route) => {
            const url = new URL(route.request().url());
            if ((url.protocol === 'http:' || url.protocol === 'https:') && !allowedHosts.has(url.host)) {
                blocked.push(url.href);
                return route.abort('blockedbyclient');
            }
            return route.continue();
        });
        const watch = (p, name) => {
            p.on('pageerror', (error) => pageErrors.push(`${name}: ${error}`));
            p.on('console', (message) => consoleLines.push(`${name} ${message.type()}: ${message.text()}`));
        };
        page = await context.newPage();
        watch(page, 'tab 1');
        const tasks = () => page.getByRole('list', { name: 'Tasks' });
        const taskCard = (title) => tasks().getByRole('listitem').filter({ has: page.getByRole('heading', { name: title, exact: true }) });

        await step('sign up, after a refused password', async () => {
            await page.goto(WEB_URL);
            await page.getByRole('heading', { name: 'Sign in' }).waitFor();
            await page.getByRole('link', { name: 'Create an account' }).click();
            await page.getByLabel('Username').fill(username);
            await page.getByLabel('Email (optional)').fill(email);
            await page.getByLabel('Password').fill('12345678');
            await page.getByRole('button', { name: 'Create account' }).click();
            const passwordError = page.locator('.field', { has: page.getByLabel('Password') }).getByRole('alert');
            await passwordError.waitFor();
            assert.match(await passwordError.innerText(), /\w+.*\./, 'the refused password has no sentence next to it');
            await page.getByLabel('Password').fill(PASSWORD);
            await page.getByRole('button', { name: 'Create account' }).click();
            await page.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
        });

        await step('the address confirmed through the mail\'s link, opened in the app', async () => {
            const link = await mailLink(email, '/verify-email');
            await page.goto(link);
            await page.getByRole('button', { name: 'Confirm my email' }).click();
            await page.getByText(`${email} is confirmed.`).waitFor();
            await page.getByRole('link', { name: 'Continue' }).click();
            await page.getByText('confirmed', { exact: true }).waitFor(); // the account page's badge
            await page.getByRole('link', { name: 'Tasks', exact: true }).click();
            await page.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
        });

        await step('the refresh token: an HttpOnly cookie, out of every script\'s reach', async () => {
            const cookies = await context.cookies(`${BASE_URL}/auth/refresh`);
            const refresh = cookies.find((c) => c.name === 'refresh_token');
            assert.ok(refresh, `no refresh_token cookie for ${BASE_URL}/auth: ${JSON.stringify(cookies)}`);
            assert.equal(refresh.httpOnly, true, 'the refresh cookie is not HttpOnly');
            assert.equal(refresh.sameSite, 'Strict', 'the refresh cookie is not SameSite=Strict');
            assert.equal(refresh.path, '/auth', 'the refresh cookie is not limited to /auth');
            const seen = await page.evaluate(() => ({
                cookie: document.cookie,
                local: JSON.stringify({ ...localStorage }),
                session: JSON.stringify({ ...sessionStorage }),
            }));
            for (const [where, text] of Object.entries(seen)) {
                assert.ok(!text.includes(refresh.value), `the refresh token is readable in ${where}`);
                assert.ok(!/eyJ[\w-]+\.[\w-]+\.[\w-]+/.test(text), `a JWT is readable in ${where}: ${text.slice(0, 200)}`);
            }
        });

        await step('tasks: create, complete, delete, filter', async () => {
            const form = page.getByRole('form', { name: 'New task' });
            const add = async (title, priority, due) => {
                await form.getByLabel('Title').fill(title);
                await form.getByLabel('Priority').selectOption(priority);
                await form.getByLabel('Due date').fill(due ?? '');
                await form.getByRole('button', { name: 'Add task' }).click();
                await taskCard(title).waitFor();
            };
            await form.getByRole('button', { name: 'Add task' }).click();
            const titleError = form.locator('.field', { has: page.getByLabel('Title') }).getByRole('alert');
            await titleError.waitFor();
            await add('Buy milk', 'high', '2027-01-10');
            await add('Write report', 'low', '2027-02-01');
            await add('Call Ann', 'medium');
            await add('Throw away', 'low');
            await taskCard('Throw away').getByRole('button', { name: 'Delete' }).click();
            await taskCard('Throw away').waitFor({ state: 'detached' });
            await taskCard('Call Ann').getByRole('checkbox', { name: 'Done: Call Ann' }).click(); // checked once the API answers
            await taskCard('Call Ann').getByText('Completed', { exact: true }).waitFor();

            const filters = page.getByRole('group', { name: 'Filter' });
            await filters.getByLabel('Status').selectOption('completed');
            await expectTitles(tasks(), ['Call Ann']);
            await filters.getByLabel('Status').selectOption('');
            await filters.getByLabel('Priority').selectOption('high');
            await expectTitles(tasks(), ['Buy milk']);
            await filters.getByLabel('Priority').selectOption('');
            await filters.getByLabel('Due after').fill('2027-01-15');
            await expectTitles(tasks(), ['Write report']);
            await filters.getByRole('button', { name: 'Clear filters' }).click();
            await expectTitles(tasks(), ['Call Ann', 'Write report', 'Buy milk']);
        });

        // A second session of the same user, over the API (as curl would): changes made "elsewhere".
        const other = await expectStatus(request('POST', `${BASE_URL}/auth/login`, { body: { username, password: PASSWORD } }), 200, 'POST /auth/login');
        const elsewhere = (method, apiPath, body) => request(method, `${BASE_URL}${apiPath}`, { body, token: other.access });

        await step('a reload keeps the session (cookie), and "load more" pages', async () => {
            for (let n = 1; n <= 20; n += 1) {
                await expectStatus(elsewhere('POST', '/tasks', { title: `Filler ${String(n).padStart(2, '0')}`, priority: 'low' }), 201, 'POST /tasks');
            }
            await page.reload();
            await page.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
            await page.getByRole('heading', { name: 'Filler 20', exact: true }).waitFor();
            assert.equal(await tasks().getByRole('listitem').count(), 20, 'the first page does not hold 20 tasks');
            await page.getByRole('button', { name: 'Load more' }).click();
            await page.getByRole('heading', { name: 'Buy milk', exact: true }).waitFor();
            assert.equal(await tasks().getByRole('listitem').count(), 23, 'after "load more" not every task is listed');
            await page.getByRole('button', { name: 'Load more' }).waitFor({ state: 'detached' });
        });

        await step('an edit meets a change made meanwhile: 412 shown, then resolved', async () => {
            const listed = await expectStatus(elsewhere('GET', '/tasks?priority=high'), 200, 'GET /tasks');
            const milk = listed.results.find((t) => t.title === 'Buy milk');
            assert.ok(milk, 'Buy milk is not listed over the API');
            await taskCard('Buy milk').getByRole('button', { name: 'Edit' }).click();
            const editor = page.getByRole('form', { name: 'Edit Buy milk' });
            await editor.getByLabel('Title').fill('Buy milk and eggs');
            await expectStatus(request('PATCH', `${BASE_URL}/tasks/${milk.id}`, { body: { title: 'Buy oat milk' }, token: other.access }), 200, 'PATCH elsewhere');
            await editor.getByRole('button', { name: 'Save', exact: true }).click();
            const conflict = editor.getByRole('alert').filter({ hasText: 'changed elsewhere' });
            await conflict.waitFor();
            assert.match(await conflict.innerText(), /Buy oat milk/, 'the conflict does not show the version stored now');
            await page.screenshot({ path: shot('conflict') });
            await editor.getByRole('button', { name: 'Save mine over theirs' }).click();
            await page.getByRole('heading', { name: 'Buy milk and eggs', exact: true }).waitFor();
            const stored = await expectStatus(elsewhere('GET', `/tasks/${milk.id}`), 200, 'GET the task');
            assert.equal(stored.title, 'Buy milk and eggs', 'the resolved edit is not what is stored');
            assert.equal(stored.version, 3, 'the task should have changed exactly twice');
            await page.screenshot({ path: shot('tasks'), fullPage: true });
        });

        await step('live: a task made in a second tab and one made over the API appear without a reload', async () => {
            const second = await context.newPage();
            watch(second, 'tab 2');
            await second.goto(`${WEB_URL}/tasks`);
            const form = second.getByRole('form', { name: 'New task' });
            await form.getByLabel('Title').fill('From the second tab');
            await form.getByRole('button', { name: 'Add task' }).click();
            await second.getByRole('heading', { name: 'From the second tab', exact: true }).waitFor();
            await page.getByRole('heading', { name: 'From the second tab', exact: true }).waitFor({ timeout: LIVE_TIMEOUT_MS });
            await expectStatus(elsewhere('POST', '/tasks', { title: 'Made with curl' }), 201, 'POST /tasks');
            await page.getByRole('heading', { name: 'Made with curl', exact: true }).waitFor({ timeout: LIVE_TIMEOUT_MS });
            await second.close();
        });

        await step('money: a budget, expenses over it, the chart', async () => {
            await page.getByRole('link', { name: 'Money', exact: true }).click();
            await page.getByRole('heading', { name: 'Money', level: 1 }).waitFor();
            const budget = page.getByRole('form', { name: 'New budget' });
            await budget.getByLabel('Budget amount').fill('100');
            await budget.getByLabel('Budget category').selectOption('FOOD');
            await budget.getByRole('button', { name: 'Add budget' }).click();
            await page.getByRole('list', { name: 'Budgets' }).getByText('100.00').waitFor();

            const expense = page.getByRole('form', { name: 'New expense' });
            await expense.getByLabel('Amount').fill('12.345');
            await expense.getByRole('button', { name: 'Add expense' }).click();
            await expense.locator('.field', { has: page.getByLabel('Amount') }).getByRole('alert').waitFor();
            for (const amount of ['60.50', '49.75']) {
                await expense.getByLabel('Amount').fill(amount);
                await expense.getByLabel('Category').selectOption('FOOD');
                await expense.getByRole('button', { name: 'Add expense' }).click();
                await page.getByRole('list', { name: 'Expenses' }).getByText(amount, { exact: true }).waitFor();
            }
            // Made elsewhere, arriving live: transport spending without a budget.
            await expectStatus(elsewhere('POST', '/expenses', { amount: '7.10', category: 'TRANSPORT' }), 201, 'POST /expenses');
            const chart = page.getByRole('list', { name: 'Budget against spent per category' });
            const food = chart.getByRole('listitem', { name: /^Food:/ });
            await food.waitFor();
            assert.equal(await food.getAttribute('aria-label'), 'Food: 110.25 spent against a budget of 100.00, over budget by 10.25');
            assert.match(await food.getAttribute('class'), /\bover\b/, 'the category over budget is not marked');
            await chart.getByRole('listitem', { name: 'Transport: 7.10 spent against no budget' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
            await page.screenshot({ path: shot('money'), fullPage: true });
        });

        await step('the account page marks this device\'s session', async () => {
            await page.getByRole('link', { name: 'Account', exact: true }).click();
            const sessions = page.getByRole('list', { name: 'Sessions' });
            await sessions.getByText('this device').waitFor();
            assert.equal(await sessions.getByRole('listitem').count(), 2, 'expected two sessions: this browser and the API login');
            await page.screenshot({ path: shot('account'), fullPage: true });
        });

        await step('sign out (another tab follows), then back in by keyboard', async () => {
            const second = await context.newPage();
            watch(second, 'tab 2');
            await second.goto(`${WEB_URL}/tasks`);
            await second.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
            await page.getByRole('button', { name: 'Sign out', exact: true }).click();
            await page.getByRole('heading', { name: 'Sign in' }).waitFor();
            await second.getByText('You signed out in another tab.').waitFor();
            const cookies = await context.cookies(`${BASE_URL}/auth/refresh`);
            assert.ok(!cookies.some((c) => c.name === 'refresh_token'), 'sign-out left the refresh cookie');
            await second.close();
            await page.reload();
            await page.getByRole('heading', { name: 'Sign in' }).waitFor();
            await page.getByLabel('Username or email').fill(email);
            await page.getByLabel('Password').fill(PASSWORD);
            await page.getByLabel('Password').press('Enter');
            await page.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
            await page.getByRole('heading', { name: 'Made with curl', exact: true }).waitFor();
        });

        await step('a phone-sized screen', async () => {
            await page.setViewportSize({ width: 390, height: 844 });
            const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
            assert.ok(overflow <= 0, `the page scrolls sideways on a phone by ${overflow}px`);
            await page.screenshot({ path: shot('phone') });
        });

        const newPassword = `${PASSWORD} renewed`;
        await step('a forgotten password, reset through the mail\'s link', async () => {
            await page.setViewportSize({ width: 1280, height: 1000 });
            await page.getByRole('button', { name: 'Sign out', exact: true }).click();
            await page.getByRole('link', { name: 'Forgot your password?' }).click();
            await page.getByLabel('Email').fill(email);
            await page.getByRole('button', { name: 'Send me a link' }).click();
            await page.getByText('is on its way').waitFor();
            const link = await mailLink(email, '/reset-password');
            await page.goto(link);
            await page.getByLabel('New password').fill(newPassword);
            await page.getByRole('button', { name: 'Set the new password' }).click();
            await page.getByText('Your password is changed').waitFor();
            await page.getByRole('link', { name: 'Sign in' }).click();
            await page.getByLabel('Username or email').fill(username);
            await page.getByLabel('Password').fill(newPassword);
            await page.getByRole('button', { name: 'Sign in' }).click();
            await page.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
        });

        await step('the account: a taken name and a wrong password refused next to their fields, then a rename', async () => {
            const taken = `taken_${id}`;
            await expectStatus(request('POST', `${BASE_URL}/auth/register`, { body: { username: taken, password: PASSWORD } }), 201, 'POST /auth/register');
            await page.getByRole('link', { name: 'Account', exact: true }).click();
            const profile = page.getByRole('form', { name: 'Change username or email' });
            const fieldAlert = (label) => profile.locator('.field', { has: page.getByLabel(label, { exact: true }) }).getByRole('alert');
            await profile.getByLabel('Username').fill(taken.toUpperCase());
            await profile.getByLabel('Current password').fill(newPassword);
            await profile.getByRole('button', { name: 'Save changes' }).click();
            await fieldAlert('Username').waitFor();
            await profile.getByLabel('Username').fill(`renamed_${id}`);
            await profile.getByLabel('Current password').fill('not my password');
            await profile.getByRole('button', { name: 'Save changes' }).click();
            await fieldAlert('Current password').waitFor();
            await profile.getByLabel('Current password').fill(newPassword);
            await profile.getByRole('button', { name: 'Save changes' }).click();
            await profile.getByText('Saved.').waitFor();
            await page.getByRole('navigation', { name: 'Main' }).getByText(`renamed_${id}`).waitFor();
        });

        await step('the account: another session ended, the password changed, this tab still signed in', async () => {
            const elsewhereNow = await expectStatus(request('POST', `${BASE_URL}/auth/login`, { body: { username: email, password: newPassword } }), 200, 'POST /auth/login');
            await page.reload();
            const sessions = page.getByRole('list', { name: 'Sessions' });
            await expectCount(sessions.getByRole('listitem'), 2);
            await sessions.getByRole('listitem').filter({ hasNotText: 'this device' }).getByRole('button', { name: /^End the session/ }).click();
            await expectCount(sessions.getByRole('listitem'), 1);
            await expectStatus(request('GET', `${BASE_URL}/tasks`, { token: elsewhereNow.access }), 401, 'the ended session\'s access token');

            const form = page.getByRole('form', { name: 'Change password' });
            await form.getByLabel('Current password').fill(newPassword);
            await form.getByLabel('New password').fill(newPassword);
            await form.getByRole('button', { name: 'Change password' }).click();
            await form.locator('.field', { has: page.getByLabel('New password') }).getByRole('alert').waitFor();
            await form.getByLabel('New password').fill(`${PASSWORD} third`);
            await form.getByRole('button', { name: 'Change password' }).click();
            await form.getByText('Password changed.').waitFor();
            await page.reload(); // the new session's cookie
            await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
            await expectCount(page.getByRole('list', { name: 'Sessions' }).getByRole('listitem'), 1);
        });

        await step('the account deleted: signed out, and its name no longer signs in', async () => {
            const form = page.getByRole('form', { name: 'Delete account' });
            await form.getByLabel('Password').fill(newPassword);
            await form.getByRole('button', { name: 'Delete my account' }).click();
            await form.locator('.field', { has: page.getByLabel('Password', { exact: true }) }).getByRole('alert').waitFor();
            await form.getByLabel('Password').fill(`${PASSWORD} third`);
            await form.getByRole('button', { name: 'Delete my account' }).click();
            await page.getByText('Your account and everything in it are deleted.').waitFor();
            await expectStatus(request('POST', `${BASE_URL}/auth/login`, { body: { username: email, password: `${PASSWORD} third` } }), 401, 'a login of the deleted account');
        });

        assert.deepEqual(blocked, [], 'the app made requests that leave the machine');
        assert.deepEqual(pageErrors, [], 'the page threw');
        const unexpected = consoleLines.filter((line) => /\b(error|warning)\b:/.test(line) && !/Failed to load resource: the server responded with a status of (400|401|409|412)/.test(line));
        assert.deepEqual(unexpected, [], 'the console has errors');
        console.log('browser: PASS: the web app journey');
    } catch (error) {
        if (page) await page.screenshot({ path: shot('failure'), fullPage: true }).catch(() => undefined);
        throw error;
    } finally {
        writeFileSync(path.join(ARTIFACTS, 'webapp-console.txt'), [...consoleLines, ...pageErrors.map((e) => `pageerror: ${e}`), ...blocked.map((b) => `blocked: ${b}`)].join('\n'));
        await browser.close();
    }
});

// The link to WEB_URL + `pagePath` in the newest mail to `address` that has one (polled: mails go out
// through the mail table's stream, within seconds).
async function mailLink(address, pagePath) {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    const prefix = `${WEB_URL}${pagePath}?token=`;
    while (Date.now() < deadline) {
        const mails = await request('GET', `${MAIL_URL}?to=${encodeURIComponent(address)}`);
        assert.equal(mails.status, 200, `GET ${MAIL_URL}: ${mails.text.slice(0, 300)}`);
        for (const mail of mails.json?.results ?? []) {
            const text = mail.text ?? '';
            const at = text.indexOf(prefix);
            if (at >= 0) return prefix + /^[A-Za-z0-9_-]*/.exec(text.slice(at + prefix.length))[0];
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return assert.fail(`no mail to ${address} with a ${WEB_URL}${pagePath} link within ${STEP_TIMEOUT_MS / 1000}s`);
}

// Waits until the locator matches exactly `count` elements.
async function expectCount(locator, count) {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    let seen = -1;
    while (Date.now() < deadline) {
        seen = await locator.count();
        if (seen === count) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(seen, count, `expected ${count} of ${locator}`);
}

// Waits until the list shows exactly these task titles, in this order.
async function expectTitles(list, titles) {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    let shown = [];
    while (Date.now() < deadline) {
        shown = await list.getByRole('heading').allInnerTexts();
        if (JSON.stringify(shown) === JSON.stringify(titles)) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(shown, titles, 'the filtered list');
}
