// What the browser tests share: where things go, how long things may take, loopback-only URLs,
// playwright-core, and JSON requests over fetch. Each test file keeps only what it checks.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = path.resolve(process.env.BROWSER_ARTIFACTS || path.join(ROOT, 'artifacts', 'browser'));
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const TEST_TIMEOUT_MS = 120_000; // the whole test; a watchdog ends the process 15 s later regardless
export const STEP_TIMEOUT_MS = 20_000; // any single browser action or expectation
export const HTTP_TIMEOUT_MS = 30_000; // each request over fetch (Argon2 makes login slow-ish)
export const PASSWORD = 'correct horse battery staple 42';
export const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function die(message) {
    console.error(`browser: FAIL: ${message}`);
    process.exit(1);
}

// An http URL on the loopback interface, without trailing slashes; dies otherwise.
export function loopbackUrl(raw, name, example) {
    const value = (raw || '').trim().replace(/\/+$/, '');
    if (!value) {
        die(`no ${name}: pass it as the argument or set ${name} (local/test does; by hand: ${name}=${example} after local/start)`);
    }
    let url;
    try {
        url = new URL(value);
    } catch {
        die(`${name}=${value} is not a URL`);
    }
    if (url.protocol !== 'http:' || !LOOPBACK.has(url.hostname)) {
        die(`${name}=${value} is not an http URL on the loopback interface; this test never leaves the machine`);
    }
    return value;
}

// playwright-core's chromium, from NODE_PATH (local/test: ~/.cache/taskapi/browser/node_modules).
export function loadChromium() {
    try {
        return createRequire(import.meta.url)('playwright-core').chromium;
    } catch (error) {
        return die(`cannot load playwright-core (${error.message}); set NODE_PATH to the node_modules that holds it ` +
            '(local/test: ~/.cache/taskapi/browser/node_modules) or run `npm ci` in tests/browser');
    }
}

// One request over fetch: its status, its body as text and, when it is JSON, parsed.
export async function request(method, url, { body, token } = {}) {
    const headers = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    const text = await response.text();
    let json;
    try {
        json = JSON.parse(text);
    } catch {
        json = undefined;
    }
    return { status: response.status, json, text };
}

export async function expectStatus(promise, status, what) {
    const response = await promise;
    assert.equal(response.status, status, `${what}: expected ${status}, got ${response.status}: ${response.text.slice(0, 500)}`);
    return response.json;
}
