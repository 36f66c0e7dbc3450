package io.drover.supervisor.config;

/**
 * A header the front adds to a request on its way to a worker ({@code drover.http.forward-headers}),
 * named in config as the header itself ({@code x-forwarded-for}).
 */
public enum ForwardedHeader {
  /** The client's address appended to any the request carried. */
  X_FORWARDED_FOR,
  /** {@code http} or {@code https}: the client's own is kept on the plain listener, replaced over TLS. */
  X_FORWARDED_PROTO,
  /** The request's Host, when the request carried none. */
  X_FORWARDED_HOST,
  /** The request's id, the one logged and returned to the client. */
  X_REQUEST_ID
}
