package io.drover.http.front;

/** The one volatile reference through which the data plane reads the current route table. */
public final class SnapshotHolder {
  private volatile RouteSnapshot current = RouteSnapshot.EMPTY;
  /** Requests for workers on other nodes; the front actor sets up their answers' receiver. */
  final RemoteCalls remote = new RemoteCalls();

  RouteSnapshot get() {
    return current;
  }

  void set(RouteSnapshot snapshot) {
    current = snapshot;
  }
}
