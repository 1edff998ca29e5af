/** Query parameters whose names suggest a credential (`?code=` of an Azure function, `?sig=` of a SAS URL). */
const SECRET_PARAM = /token|secret|password|passwd|pwd|auth|key|sig|signature|code|credential/i;

/**
 * A URL as logs, errors, reports and the admin API may show it: no password, and no value of a query
 * parameter whose name suggests a credential. The one redaction for every URL the gateway shows
 * (endpoint URLs, database URLs, partner files).
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not a URL (a bare database path, a typo): at least no `user:password@`.
    return url.replace(/(\/\/[^:/@]+:)[^@/]*@/, '$1***@');
  }
  let changed = false;
  if (u.password) {
    u.password = '***';
    changed = true;
  }
  for (const name of new Set(u.searchParams.keys())) {
    if (SECRET_PARAM.test(name)) {
      u.searchParams.set(name, '***');
      changed = true;
    }
  }
  // Unchanged, the URL is shown as written (URL would add a trailing slash).
  return changed ? u.toString() : url;
}
