package io.drover.http.front;

/** The one volatile reference through which the data plane reads the current route table. */
public final class SnapshotHolder {
  private volatile RouteSnapshot current = RouteSnapshot.EMPTY;

  RouteSnapshot get() {
    return current;
  }

  void set(RouteSnapshot snapshot) {
    current = snapshot;
  }
}
