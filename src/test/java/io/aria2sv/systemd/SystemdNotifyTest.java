package io.aria2sv.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aria2sv.testing.ChildJvm;
import io.aria2sv.testing.Signals;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd's notification protocol against a real unix datagram socket, as systemd would bind it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SystemdNotifyTest {
  @TempDir Path root;

  @Test
  void sendsReadyStatusWatchdogAndStoppingInOrder() throws Exception {
    Path socket = root.resolve("notify.sock");
    List<String> received = new CopyOnWriteArrayList<>();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try {
      Channel listener =
          new Bootstrap()
              .group(group)
              .channel(EpollDomainDatagramChannel.class)
              .handler(
                  new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket p) {
                      received.add(p.content().toString(StandardCharsets.UTF_8));
                    }
                  })
              .bind(new DomainSocketAddress(socket.toString()))
              .sync()
              .channel();
      Map<String, String> env =
          Map.of(
              "NOTIFY_SOCKET", socket.toString(),
              "WATCHDOG_USEC", "600000",
              "ARIA2SV_ARIA2_DATA_DIR", root.resolve("data").toString(),
              "ARIA2SV_ARIA2_DOWNLOAD_DIR", root.resolve("downloads").toString(),
              "ARIA2SV_HTTP_PORT", "0");
      try (ChildJvm jvm = ChildJvm.main(root.resolve("cwd"), env)) {
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> received.stream().anyMatch(m -> m.startsWith("READY=1")));
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> received.stream().filter(m -> m.equals("WATCHDOG=1")).count() >= 2);
        assertThat(jvm.output()).contains("systemd watchdog: pinging every 300 ms");

        Signals.send(jvm.pid(), "TERM");
        assertThat(jvm.awaitExit(Duration.ofSeconds(20))).isZero();
      }
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> received.stream().anyMatch(m -> m.startsWith("STOPPING=1")));
      listener.close().sync();

      int ready = indexOf(received, "READY=1");
      int stopping = indexOf(received, "STOPPING=1");
      assertThat(received.get(ready)).contains("STATUS=aria2c RUNNING, version 1.36.0");
      assertThat(ready).isLessThan(stopping);
      assertThat(received.subList(ready, stopping)).contains("WATCHDOG=1");
      assertThat(received.subList(stopping, received.size()))
          .anyMatch(m -> m.equals("STATUS=aria2c STOPPING"));
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  private static int indexOf(List<String> messages, String prefix) {
    for (int i = 0; i < messages.size(); i++) {
      if (messages.get(i).startsWith(prefix)) {
        return i;
      }
    }
    throw new AssertionError(prefix + " not received: " + messages);
  }

  @Test
  void withoutNotifySocketNothingIsSent() {
    try (SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of())) {
      assertThat(n.active()).isFalse();
      n.ready("x");
      n.stopping();
    }
  }

  @Test
  void theUnitIsANotifyServiceThatIsHardenedAndRestartsOnFailure() throws Exception {
    String unit = Files.readString(Path.of("conf/systemd/aria2-supervisor.service"));
    assertThat(unit)
        .contains(
            "Type=notify",
            "NotifyAccess=main",
            "WatchdogSec=",
            "Restart=on-failure",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "PrivateTmp=yes",
            "KillMode=mixed",
            "RestartPreventExitStatus=64 69 73 78",
            "LogRateLimitBurst=100000",
            "\nCapabilityBoundingSet=\n",
            "RestrictNamespaces=yes",
            "SystemCallArchitectures=native");
    // The JIT writes the code it runs.
    assertThat(unit).doesNotContain("MemoryDenyWriteExecute=yes");
    String dataDir = value(unit, "Environment=ARIA2SV_ARIA2_DATA_DIR=");
    String downloadDir = value(unit, "Environment=ARIA2SV_ARIA2_DOWNLOAD_DIR=");
    assertThat(value(unit, "ReadWritePaths=")).isEqualTo(dataDir + " " + downloadDir);
    assertThat(value(unit, "ExecStart="))
        .contains("-jar /opt/aria2-supervisor/aria2-supervisor.jar");
    // Longer than the prod shutdown budget (60 s + 10 s).
    assertThat(Integer.parseInt(value(unit, "TimeoutStopSec="))).isGreaterThan(70);
  }

  private static String value(String unit, String prefix) {
    return unit.lines()
        .filter(l -> l.startsWith(prefix))
        .findFirst()
        .orElseThrow()
        .substring(prefix.length())
        .trim();
  }
}
