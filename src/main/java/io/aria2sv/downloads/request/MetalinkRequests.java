package io.aria2sv.downloads.request;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns a metalink batch request into one checked download request per file. */
final class MetalinkRequests {
  private MetalinkRequests() {}

  /**
   * A metalink {@code {metalink: base64, dir?}}: one request per file, its name (which may name
   * folders) inside {@code dir}, its http(s)/ftp/sftp URLs as mirrors, its strongest hash as
   * aria2's {@code checksum}, so a file whose content does not match fails.
   */
  static List<DownloadRequest> of(RequestValidator v, JsonObject body) {
    String batchDir =
        body.getValue("dir") == null ? "" : v.dir(RequestValidator.text(body, "dir", ""), "dir");
    byte[] data;
    try {
      data =
          Base64.getDecoder()
              .decode(RequestValidator.text(body, "metalink", "").replaceAll("\\s+", ""));
    } catch (IllegalArgumentException e) {
      throw new ValidationException("metalink", "must be the metalink file in base64");
    }
    List<Metalink.File> files;
    try {
      files = Metalink.parse(data);
    } catch (IllegalArgumentException e) {
      throw new ValidationException("metalink", e.getMessage());
    }
    if (files.size() > RequestValidator.MAX_BATCH) {
      throw new ValidationException(
          "metalink", "holds more than " + RequestValidator.MAX_BATCH + " files");
    }
    List<DownloadRequest> out = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      Metalink.File f = files.get(i);
      String field = "metalink.files[" + i + "]";
      List<String> usable =
          f.urls().stream()
              .filter(
                  u -> {
                    int colon = u.indexOf(':');
                    return colon > 0
                        && RequestValidator.SCHEMES.contains(
                            u.substring(0, colon).toLowerCase(Locale.ROOT));
                  })
              .limit(RequestValidator.MAX_URIS)
              .toList();
      if (usable.isEmpty()) {
        throw new ValidationException(
            field, "file " + f.name() + " has no http, https, ftp or sftp URL");
      }
      List<String> uris =
          RequestValidator.uris(new JsonArray(usable), field + ".urls", RequestValidator.SCHEMES);
      int slash = f.name().lastIndexOf('/');
      String sub = slash < 0 ? "" : f.name().substring(0, slash);
      String dir =
          sub.isEmpty()
              ? batchDir
              : v.dir(Path.of(batchDir).resolve(sub).toString(), field + ".name");
      String name = RequestValidator.out(f.name().substring(slash + 1), field + ".name");
      Map<String, String> options =
          f.checksum() == null ? Map.of() : Map.of("checksum", f.checksum());
      out.add(new DownloadRequest(uris, dir, name, options, null));
    }
    return out;
  }
}
