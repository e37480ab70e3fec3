/** An HTTP request as the core sees it: header names lower-cased, body decoded to text. */
export interface CoreHttpRequest {
  method: string;
  headers: Readonly<Record<string, string>>;
  body: string;
}

/** An HTTP response as the core produces it; the platform adapter maps it to its own shape. */
export interface CoreHttpResponse {
  status: number;
  body: string;
}

/** A JSON response. */
export function jsonResponse(status: number, body: unknown): CoreHttpResponse {
  return { status, body: JSON.stringify(body) };
}
