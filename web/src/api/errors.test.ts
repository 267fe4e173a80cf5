import { describe, expect, it } from 'vitest';
import { ApiError, asApiError, describeSeconds, errorFromResponse } from './errors';

const headers = (entries: Record<string, string> = {}) => new Headers(entries);

describe('errorFromResponse', () => {
  it("keeps the contract's detail, code and field errors", () => {
    const error = errorFromResponse(400, { detail: 'Invalid input.', code: 'invalid', errors: { title: ['This field is required.'] } }, headers());
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid');
    expect(error.message).toBe('Invalid input.');
    expect(error.field('title')).toBe('This field is required.');
    expect(error.field('description')).toBeUndefined();
  });

  it('reads Retry-After and says when to try again', () => {
    const error = errorFromResponse(429, { detail: 'Too many failed logins.', code: 'throttled' }, headers({ 'Retry-After': '120' }));
    expect(error.retryAfter).toBe(120);
    expect(error.summary()).toBe('Too many failed logins. Try again in 2 minutes.');
  });

  it('stands in for an answer that is not in the contract shape', () => {
    const error = errorFromResponse(502, '<html>Bad gateway</html>', headers());
    expect(error.code).toBe('unexpected_answer');
    expect(error.message).toMatch(/could not answer \(status 502\)/);
    expect(errorFromResponse(404, { message: 'Not Found' }, headers()).code).toBe('unexpected_answer');
  });

  it('ignores field errors that are not lists of strings', () => {
    expect(errorFromResponse(400, { detail: 'd', code: 'invalid', errors: { a: 'x' } }, headers()).fields).toEqual({});
  });
});

describe('summary', () => {
  it("adds the messages of fields the form does not show, so none is lost", () => {
    const error = new ApiError(400, 'invalid', 'Invalid input.', { title: ['Too long.'], cursor: ['Not a cursor.'] });
    expect(error.summary(['title'])).toBe('Invalid input. Cursor: Not a cursor.');
    expect(error.summary(['title', 'cursor'])).toBe('Invalid input.');
  });
});

describe('asApiError', () => {
  it('turns a failed fetch into a network error and keeps ApiErrors', () => {
    expect(asApiError(new TypeError('Failed to fetch')).code).toBe('network');
    const original = new ApiError(409, 'conflict', 'Taken.');
    expect(asApiError(original)).toBe(original);
    expect(asApiError(new Error('boom')).message).toBe('boom');
  });
});

it('describes waits in words', () => {
  expect(describeSeconds(1)).toBe('1 second');
  expect(describeSeconds(30)).toBe('30 seconds');
  expect(describeSeconds(900)).toBe('15 minutes');
});
