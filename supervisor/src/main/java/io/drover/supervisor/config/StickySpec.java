package io.drover.supervisor.config;

/**
 * Where a sticky balancer finds a request's key ({@code route.sticky}); exactly one is set when
 * the balancer is sticky.
 *
 * @param source where the key is read
 * @param name the cookie, header or query parameter's name
 */
public record StickySpec(Source source, String name) {
  /** Where the key of a request is read. */
  public enum Source {
    NONE,
    COOKIE,
    HEADER,
    QUERY
  }

  public static final StickySpec NONE = new StickySpec(Source.NONE, "");
}
