import { expect, it } from 'vitest';
import { parseConfig } from './config';

it('reads the config and trims trailing slashes', () => {
  expect(parseConfig({ apiBaseUrl: 'http://127.0.0.1:9000/', wsUrl: 'ws://127.0.0.1:9001/' })).toEqual({
    apiBaseUrl: 'http://127.0.0.1:9000',
    wsUrl: 'ws://127.0.0.1:9001',
  });
  expect(parseConfig({ apiBaseUrl: '', wsUrl: 'wss://abc.execute-api.eu-west-1.amazonaws.com/live' }).apiBaseUrl).toBe('');
});

it('refuses a config without a WebSocket URL or API base', () => {
  expect(() => parseConfig(null)).toThrow();
  expect(() => parseConfig({ apiBaseUrl: 'http://x' })).toThrow(/wsUrl/);
  expect(() => parseConfig({ wsUrl: 'ws://x' })).toThrow(/apiBaseUrl/);
});
