package io.drover.supervisor;

/**
 * Marks messages that travel between cluster nodes; a clustered node serializes them (as CBOR,
 * with Jackson). Every field of such a message must be a plain value, a list, or an actor ref.
 */
public interface CrossNode {}
