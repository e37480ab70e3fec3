import axios, { type AxiosInstance } from 'axios';

/** The HTTP client for DingTalk calls: JSON, every status handed back for the caller to classify. */
export function createDingTalkHttp(timeoutMs = 10_000): AxiosInstance {
  return axios.create({
    timeout: timeoutMs,
    headers: { 'Content-Type': 'application/json' },
    // Statuses are classified by the callers; redirects are never expected from DingTalk.
    validateStatus: () => true,
    maxRedirects: 0,
    // Tells axios's own timeout (ETIMEDOUT, maybe delivered) apart from an abort.
    transitional: { clarifyTimeoutError: true },
    proxy: false,
  });
}
