package io.aria2sv.bittorrent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code .torrent} files of the downloads, kept in the data directory as {@code torrents/<info
 * hash>.torrent} (written once, by content), so that a re-add and a restart of the JVM never need
 * the user's upload or a magnet's metadata again. The files are read at open and kept in memory as
 * base64 for {@code aria2.addTorrent}. {@link #open} and {@link #put} block: call them on a worker;
 * {@link #base64} does not.
 */
public final class TorrentStore {
  private final Path dir;
  private final Map<String, String> base64 = new ConcurrentHashMap<>();
  private final Map<String, String> names = new ConcurrentHashMap<>();

  private TorrentStore(Path dir) {
    this.dir = dir;
  }

  /**
   * Opens (creating) {@code dataDir/torrents}, and {@code dataDir/metadata} where aria2 writes the
   * metadata of magnets, and reads the torrents it holds. Blocking.
   */
  public static TorrentStore open(Path dataDir) throws IOException {
    Files.createDirectories(dataDir.resolve("metadata"));
    TorrentStore s = new TorrentStore(Files.createDirectories(dataDir.resolve("torrents")));
    try (DirectoryStream<Path> files = Files.newDirectoryStream(s.dir, "*.torrent")) {
      for (Path f : files) {
        String hash = f.getFileName().toString().replace(".torrent", "");
        byte[] data = Files.readAllBytes(f);
        s.base64.put(hash, Base64.getEncoder().encodeToString(data));
        s.name(hash, data);
      }
    }
    return s;
  }

  /** Where torrents are kept. */
  public Path dir() {
    return dir;
  }

  /**
   * Where aria2 writes the {@code <info hash>.torrent} of a magnet's metadata ({@code
   * bt-save-metadata}).
   */
  public Path metadataDir() {
    return dir.resolveSibling("metadata");
  }

  /**
   * Takes the metadata aria2 fetched for magnet {@code infoHash} into the store: checked, kept, and
   * its file in {@link #metadataDir()} removed. Blocking.
   *
   * @throws IOException when aria2 wrote none, or it is not a torrent of that info hash
   */
  public void adoptMetadata(String infoHash) throws IOException {
    Path f = metadataDir().resolve(infoHash + ".torrent");
    byte[] data = Files.readAllBytes(f);
    TorrentFile t;
    try {
      t = TorrentFile.parse(data);
    } catch (Bencode.Malformed e) {
      throw new IOException("the metadata aria2 fetched is not a valid torrent: " + e.getMessage());
    }
    if (!t.infoHash().equals(infoHash)) {
      throw new IOException(
          "the metadata aria2 fetched has info hash " + t.infoHash() + ", not " + infoHash);
    }
    put(infoHash, data);
    Files.deleteIfExists(f);
  }

  /**
   * Keeps {@code data}, the torrent whose info hash is {@code infoHash} (parsed before). Blocking.
   */
  public void put(String infoHash, byte[] data) {
    if (base64.containsKey(infoHash)) {
      return;
    }
    try {
      Path tmp = Files.createTempFile(dir, infoHash, ".part");
      Files.write(tmp, data);
      Files.move(
          tmp,
          dir.resolve(infoHash + ".torrent"),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot keep torrent " + infoHash + " in " + dir + ": " + e.getMessage(), e);
    }
    base64.put(infoHash, Base64.getEncoder().encodeToString(data));
    name(infoHash, data);
  }

  private void name(String infoHash, byte[] data) {
    try {
      names.put(infoHash, TorrentFile.parse(data).name());
    } catch (Bencode.Malformed e) {
      // kept as it is; aria2 will say what is wrong with it
    }
  }

  /**
   * Deletes the kept file of {@code infoHash} (its download ended and its files are where they go);
   * its name stays known while this JVM runs. Blocking.
   */
  public void removeFile(String infoHash) throws IOException {
    Files.deleteIfExists(dir.resolve(infoHash + ".torrent"));
  }

  /** The name (file or directory) of a kept torrent, or null. */
  public String name(String infoHash) {
    return infoHash == null ? null : names.get(infoHash);
  }

  /** The torrent as base64, or null when it is not kept. */
  public String base64(String infoHash) {
    return base64.get(infoHash);
  }
}
