/**
 * Which proxy a download goes through: VS Code's `http.proxy` setting first, then the usual
 * environment variables, never for hosts NO_PROXY lists. Pure (settings and environment passed in).
 */
export interface ProxySettings {
  /** VS Code's `http.proxy` (empty: not set). */
  httpProxy?: string;
  env?: Record<string, string | undefined>;
}

/** The proxy URL for `target`, or undefined to connect directly. */
export function proxyFor(target: URL, settings: ProxySettings): URL | undefined {
  const env = settings.env ?? {};
  const pick = (...names: string[]) => names.map((n) => env[n] ?? env[n.toLowerCase()]).find((v) => v && v.trim());
  if (bypassed(target, pick('NO_PROXY') ?? '')) return undefined;
  const configured = settings.httpProxy?.trim() || (target.protocol === 'https:' ? pick('HTTPS_PROXY', 'HTTP_PROXY') : pick('HTTP_PROXY'));
  if (!configured) return undefined;
  try {
    return new URL(configured.includes('://') ? configured : `http://${configured}`);
  } catch {
    throw new Error(`proxy '${configured}' is not a URL (http.proxy or HTTP(S)_PROXY)`);
  }
}

/** NO_PROXY: comma-separated hosts or domain suffixes (`.example.com`, `example.com`), `*` for all. */
export function bypassed(target: URL, noProxy: string): boolean {
  const host = target.hostname.toLowerCase();
  return noProxy
    .split(',')
    .map((e) => e.trim().toLowerCase().replace(/:\d+$/, ''))
    .filter(Boolean)
    .some((entry) => entry === '*' || host === entry.replace(/^\./, '') || host.endsWith(entry.startsWith('.') ? entry : `.${entry}`));
}

/** The Proxy-Authorization header for a proxy URL with credentials. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username) return undefined;
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}
