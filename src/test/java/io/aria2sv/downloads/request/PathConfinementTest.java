package io.aria2sv.downloads.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Directories and file names a user names stay inside the download root, whatever their shape. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PathConfinementTest {
  @TempDir Path tmp;
  private Path root;
  private Path outside;
  private PathConfinement paths;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectories(tmp.resolve("downloads"));
    outside = Files.createDirectories(tmp.resolve("elsewhere"));
    paths = new PathConfinement(root);
  }

  private void refused(String dir, String why) {
    assertThatThrownBy(() -> paths.dir(dir, "dir"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("dir")
        .hasMessageContaining(why);
  }

  @Test
  void aPlainRelativeDirectoryIsKeptRelativeToTheRoot() {
    assertThat(paths.dir("films/2026", "dir")).isEqualTo("films/2026");
    assertThat(paths.dir("", "dir")).isEmpty();
    assertThat(paths.dir("./films/./new", "dir")).isEqualTo("films/new");
  }

  @Test
  void dotDotIsRefusedInAnyPositionEvenWhenItWouldStayInside() {
    refused("..", "'..'");
    refused("../elsewhere", "'..'");
    refused("films/../../elsewhere", "'..'");
    refused("films/..", "'..'");
    refused("films/new/..", "'..'");
  }

  @Test
  void anAbsolutePathIsTakenOnlyInsideTheRoot() {
    assertThat(paths.dir(root.resolve("films").toString(), "dir")).isEqualTo("films");
    assertThat(paths.dir(root.toString(), "dir")).isEmpty();
    refused(outside.toString(), "inside the download root");
    refused("/etc", "inside the download root");
    refused(root + "-sibling", "inside the download root");
  }

  @Test
  void aSymbolicLinkOutOfTheRootIsRefusedInEveryPosition() throws Exception {
    Files.createSymbolicLink(root.resolve("out"), outside);
    Files.createDirectories(root.resolve("films"));
    Files.createSymbolicLink(root.resolve("films/out"), outside);
    Files.createDirectories(outside.resolve("deep"));

    refused("out", "symbolic link"); // the last part
    refused("out/deep", "symbolic link"); // the first part, existing below
    refused("out/not-yet/made", "symbolic link"); // the first part, the rest not made yet
    refused("films/out", "symbolic link"); // a middle part
    refused("films/out/deep", "symbolic link");
  }

  @Test
  void aSymbolicLinkThatStaysInsideTheRootIsFollowedAndAccepted() throws Exception {
    Files.createDirectories(root.resolve("real/inner"));
    Files.createSymbolicLink(root.resolve("alias"), root.resolve("real"));

    assertThat(paths.dir("alias/inner", "dir")).isEqualTo("alias/inner");
  }

  @Test
  void aDanglingSymbolicLinkIsRefusedRatherThanGuessed() throws Exception {
    Files.createSymbolicLink(root.resolve("gone"), tmp.resolve("no-such-dir"));

    refused("gone", "cannot be checked");
    refused("gone/below", "cannot be checked");
  }

  @Test
  void aRootThatIsItselfASymbolicLinkStillConfines() throws Exception {
    Path linkedRoot = Files.createSymbolicLink(tmp.resolve("linked-root"), root);
    PathConfinement viaLink = new PathConfinement(linkedRoot);
    Files.createSymbolicLink(root.resolve("out"), outside);

    assertThat(viaLink.dir("films", "dir")).isEqualTo("films");
    assertThatThrownBy(() -> viaLink.dir("out", "dir")).hasMessageContaining("symbolic link");
  }

  @Test
  void longNamesAreTakenUpToTheLimitAndRefusedPastIt() {
    String atLimit = ("a".repeat(200) + "/").repeat(5) + "b".repeat(19); // 1024 characters
    assertThat(atLimit).hasSize(1024);
    assertThat(paths.dir(atLimit, "dir")).isEqualTo(atLimit);
    refused(atLimit + "c", "at most 1024 characters");
  }

  @Test
  void unicodeNamesAreKeptAsTheyAre() {
    assertThat(paths.dir("映画/Фильмы/café", "dir")).isEqualTo("映画/Фильмы/café");
    assertThat(PathConfinement.fileName("ファイル 1.bin", "out")).isEqualTo("ファイル 1.bin");
  }

  @Test
  void aDirectoryEndingInASlashIsTheDirectoryItself() {
    assertThat(paths.dir("films/", "dir")).isEqualTo("films");
    assertThat(paths.dir("films//new///", "dir")).isEqualTo("films/new");
  }

  @Test
  void backslashesAndControlCharactersAreRefused() {
    refused("films\\..\\..", "no '\\'");
    refused("films\nnew", "no control characters");
    refused("films\u007fnew", "no control characters");
  }

  @Test
  void aFileNameIsOnePlainName() {
    assertThat(PathConfinement.fileName("movie.bin", "out")).isEqualTo("movie.bin");
    assertThat(PathConfinement.fileName("x".repeat(255), "out")).hasSize(255);
    for (String bad :
        new String[] {
          "", " ", ".", "..", "a/b", "sub/", "/abs", "a\\b", "x".repeat(256), "tab\there"
        }) {
      assertThatThrownBy(() -> PathConfinement.fileName(bad, "out"))
          .as("file name %s", bad)
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("out")
          .hasMessageContaining("plain file name");
    }
  }
}
