package io.aria2sv.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SessionFileTest {
  @TempDir Path dir;

  @Test
  void theEntriesOfHandedOverGidsLeaveTheSessionAndTheOthersStayAsTheyWere() throws Exception {
    Path f = dir.resolve("aria2.session");
    String keep1 = "http://127.0.0.1:1/a\thttp://127.0.0.1:2/a\n gid=1111111111111111\n dir=/d\n";
    String drop = "http://127.0.0.1:1/b\n gid=2222222222222222\n out=b\n pause=true\n";
    String keep2 =
        "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567\n gid=3333333333333333\n";
    Files.writeString(f, keep1 + drop + keep2);
    assertThat(SessionFile.strip(f, Set.of("2222222222222222", "9999999999999999"))).isEqualTo(1);
    assertThat(Files.readString(f)).isEqualTo(keep1 + keep2);
  }

  @Test
  void aMissingSessionStaysMissing() throws Exception {
    assertThat(SessionFile.strip(dir.resolve("none"), Set.of("2222222222222222"))).isZero();
    assertThat(Files.exists(dir.resolve("none"))).isFalse();
  }
}
