package io.drover.supervisor;

import java.time.Instant;

/**
 * The front took a worker out of rotation for a while, or put it back (outlier ejection), without
 * the worker itself changing state.
 *
 * @param at when
 * @param app the app's name
 * @param worker the worker as the front names it ({@code app-instance@port}, or {@code @node} for
 *     one on another node)
 * @param inRotation whether it takes requests again
 * @param detail why, in a few words
 */
public record RouteEvent(Instant at, String app, String worker, boolean inRotation, String detail)
    implements DroverEvent {}
