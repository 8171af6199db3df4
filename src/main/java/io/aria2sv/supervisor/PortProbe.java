package io.aria2sv.supervisor;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Checks loopback ports on both address families. aria2c binds 127.0.0.1 and ::1; if only one is
 * taken it keeps running on the other, so a port counts as free only when both families are free.
 * Blocking (it binds sockets): call it from a worker.
 */
public final class PortProbe {
  private static final InetAddress V4 = InetAddress.getLoopbackAddress();
  private static final InetAddress V6 = ipv6Loopback();

  private PortProbe() {}

  /** True when {@code port} can be bound on 127.0.0.1 and, if the host has IPv6, on ::1. */
  public static boolean isFree(int port) {
    return canBind(V4, port) && (V6 == null || canBind(V6, port));
  }

  /** Which loopback families hold {@code port}, for error messages: "127.0.0.1", "::1" or both. */
  public static String holders(int port) {
    boolean v4 = !canBind(V4, port);
    boolean v6 = V6 != null && !canBind(V6, port);
    return v4 && v6 ? "127.0.0.1 and ::1" : v4 ? "127.0.0.1" : v6 ? "::1" : "nobody";
  }

  /** A port that is free on both loopback families at the time of the call. */
  public static int pickFree() {
    for (int i = 0; i < 50; i++) {
      int port;
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(true); // TIME_WAIT leftovers must not count as "in use"
        s.bind(new InetSocketAddress(V4, 0));
        port = s.getLocalPort();
      } catch (IOException e) {
        throw new IllegalStateException("cannot bind any loopback port: " + e.getMessage(), e);
      }
      if (V6 == null || canBind(V6, port)) {
        return port;
      }
    }
    throw new IllegalStateException("no port free on both 127.0.0.1 and ::1 after 50 tries");
  }

  private static boolean canBind(InetAddress address, int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true); // TIME_WAIT leftovers must not count as "in use"
      s.bind(new InetSocketAddress(address, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static InetAddress ipv6Loopback() {
    try {
      InetAddress v6 = InetAddress.getByName("::1");
      if (!(v6 instanceof Inet6Address)) {
        return null;
      }
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(v6, 0));
      }
      return v6;
    } catch (IOException e) {
      return null;
    }
  }
}
