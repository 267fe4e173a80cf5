// Where the API and the live-update socket are: read once at start from /config.json, which the
// host writes (local/start serves one for the local stack; in the cloud the upload command writes
// one with an empty apiBaseUrl, because CloudFront routes the API's paths on the app's own origin).
export interface AppConfig {
  apiBaseUrl: string;
  wsUrl: string;
}

export function parseConfig(raw: unknown): AppConfig {
  if (typeof raw !== 'object' || raw === null) {
    throw new Error('config.json is not a JSON object');
  }
  const { apiBaseUrl, wsUrl } = raw as Record<string, unknown>;
  if (typeof apiBaseUrl !== 'string') throw new Error('config.json: apiBaseUrl must be a string');
  if (typeof wsUrl !== 'string' || !/^wss?:\/\//.test(wsUrl)) {
    throw new Error('config.json: wsUrl must be a ws:// or wss:// URL');
  }
  return { apiBaseUrl: apiBaseUrl.replace(/\/+$/, ''), wsUrl: wsUrl.replace(/\/+$/, '') };
}

export async function loadConfig(): Promise<AppConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`GET /config.json answered ${response.status}`);
  return parseConfig(await response.json());
}
