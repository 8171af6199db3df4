package io.aria2sv.systemd;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code sd_notify} protocol: datagrams such as {@code READY=1}, {@code STATUS=…}, {@code
 * STOPPING=1} and {@code WATCHDOG=1} sent to the unix socket named by {@code NOTIFY_SOCKET}. A
 * no-op when that variable is not set (not started by systemd with {@code Type=notify}). Sending
 * never blocks the caller. Uses Netty's epoll transport, which has unix datagram sockets.
 */
public final class SystemdNotifier implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SystemdNotifier.class);

  private final EventLoopGroup group;
  private final Channel channel;
  private final DomainSocketAddress target;
  private final long watchdogMicros;

  private SystemdNotifier(
      EventLoopGroup group, Channel channel, DomainSocketAddress target, long watchdogMicros) {
    this.group = group;
    this.channel = channel;
    this.target = target;
    this.watchdogMicros = watchdogMicros;
  }

  /** A notifier for this process's environment; inactive when {@code NOTIFY_SOCKET} is absent. */
  public static SystemdNotifier fromEnvironment(Map<String, String> env) {
    String socket = env.get("NOTIFY_SOCKET");
    if (socket == null || socket.isBlank()) {
      return new SystemdNotifier(null, null, null, 0);
    }
    if (!Epoll.isAvailable()) {
      LOG.warn(
          "NOTIFY_SOCKET is set but the epoll transport is unavailable ({}): no systemd notifications",
          Epoll.unavailabilityCause().getMessage());
      return new SystemdNotifier(null, null, null, 0);
    }
    // "@name" is a socket in the abstract namespace, written with a leading NUL.
    String path = socket.startsWith("@") ? "\0" + socket.substring(1) : socket;
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try {
      // Connected, the channel is active and each write is one datagram to systemd.
      Channel ch =
          new Bootstrap()
              .group(group)
              .channel(EpollDomainDatagramChannel.class)
              .handler(new ChannelInboundHandlerAdapter())
              .connect(new DomainSocketAddress(path))
              .syncUninterruptibly()
              .channel();
      return new SystemdNotifier(group, ch, new DomainSocketAddress(path), watchdogMicros(env));
    } catch (RuntimeException e) {
      LOG.warn("cannot open a socket for systemd notifications to {}: {}", socket, e.getMessage());
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      return new SystemdNotifier(null, null, null, 0);
    }
  }

  private static long watchdogMicros(Map<String, String> env) {
    String usec = env.get("WATCHDOG_USEC");
    String pid = env.get("WATCHDOG_PID");
    if (usec == null
        || (pid != null && !pid.equals(Long.toString(ProcessHandle.current().pid())))) {
      return 0;
    }
    try {
      return Long.parseLong(usec.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** True when started by systemd with a notification socket. */
  public boolean active() {
    return channel != null;
  }

  /** Half of {@code WATCHDOG_USEC} in milliseconds, or 0 when the unit sets no watchdog. */
  public long watchdogIntervalMillis() {
    return watchdogMicros / 2000;
  }

  public void ready(String status) {
    send("READY=1\nSTATUS=" + status);
  }

  public void status(String status) {
    send("STATUS=" + status);
  }

  public void stopping() {
    send("STOPPING=1\nSTATUS=stopping");
  }

  public void watchdog() {
    send("WATCHDOG=1");
  }

  private void send(String message) {
    if (channel == null) {
      return;
    }
    channel
        .writeAndFlush(Unpooled.copiedBuffer(message, StandardCharsets.UTF_8))
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                LOG.warn(
                    "systemd notification '{}' to {} failed: {}",
                    message.lines().findFirst().orElse(""),
                    target.path(),
                    f.cause().toString());
              }
            });
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.close().syncUninterruptibly();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
