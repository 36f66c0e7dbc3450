/**
 * The HTTP front (route table, balancers, Netty proxy) and the management API. It finds ready
 * workers through the receptionist keys of {@link io.drover.supervisor.WorkerKeys}.
 */
package io.drover.http;
