package io.drover.supervisor.config;

/**
 * Rotation of a worker's stdout and stderr files.
 *
 * @param maxSize bytes a file may reach before it is rotated
 * @param keep rotated files kept per stream
 */
public record LogSpec(long maxSize, int keep) {}
