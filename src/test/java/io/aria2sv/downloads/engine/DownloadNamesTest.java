package io.aria2sv.downloads.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.downloads.request.DownloadRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every download gets the name a user expects, whatever it was added with. */
@Timeout(value = 5, unit = TimeUnit.SECONDS)
class DownloadNamesTest {
  private static DownloadRequest of(String uri, String out) {
    return new DownloadRequest(List.of(uri), "", out, Map.of(), null);
  }

  @Test
  void theOutItWasGivenComesFirst() {
    assertThat(DownloadNames.of(of("http://127.0.0.1:9/a.iso", "b.iso"), "t", "/d/c.iso"))
        .isEqualTo("b.iso");
  }

  @Test
  void aTorrentIsNamedAsTheTorrentSays() {
    assertThat(DownloadNames.of(of("http://127.0.0.1:9/seed", null), "Movie (2026)", "/d/x"))
        .isEqualTo("Movie (2026)");
  }

  @Test
  void aMagnetIsNamedByItsDisplayNameUntilItsTorrentIsKnown() {
    String magnet =
        "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=Big+Buck%20Bunny&tr=x";
    assertThat(DownloadNames.of(of(magnet, null), null, null)).isEqualTo("Big Buck Bunny");
    assertThat(
            DownloadNames.of(
                of("magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567", null),
                null,
                null))
        .isNull();
  }

  @Test
  void theFileAria2WritesNamesAPlainDownload() {
    assertThat(DownloadNames.of(of("http://127.0.0.1:9/get?id=7", null), null, "/d/report.pdf"))
        .isEqualTo("report.pdf");
  }

  @Test
  void elseTheLastSegmentOfItsUrlDecoded() {
    assertThat(DownloadNames.of(of("http://127.0.0.1:9/files/caf%C3%A9%201.bin", null), null, null))
        .isEqualTo("café 1.bin");
    assertThat(DownloadNames.of(of("ftp://127.0.0.1:9/pub/a+b.tar.gz", null), null, ""))
        .isEqualTo("a+b.tar.gz");
    assertThat(DownloadNames.of(of("http://127.0.0.1:9/dir/", null), null, null)).isEqualTo("dir");
    assertThat(DownloadNames.of(of("http://127.0.0.1:9/", null), null, null)).isNull();
  }
}
