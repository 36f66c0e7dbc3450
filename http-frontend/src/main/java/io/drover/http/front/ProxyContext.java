package io.drover.http.front;

import io.drover.supervisor.config.HttpSpec;
import io.netty.bootstrap.Bootstrap;
import org.apache.pekko.actor.typed.ActorRef;

/** What every connection of the front shares: settings, the route table, the front actor, the access log and request ids. */
record ProxyContext(
    HttpSpec spec, SnapshotHolder holder, ActorRef<Front.Command> front, Bootstrap backends, AccessLog log, RequestIds ids) {}
