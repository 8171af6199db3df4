package io.aria2sv.cluster;

import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;

/**
 * A request forwarded to a node that is not there: it left the cluster, or has not registered yet
 * (503).
 */
final class NodeUnreachable extends ServiceException {
  private static final long serialVersionUID = 1L;

  NodeUnreachable(String node) {
    super(
        ErrorCode.NOT_RUNNING,
        "node " + node + " is not reachable (it left the cluster or is starting)");
  }
}
