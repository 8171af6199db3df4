package io.aria2sv.downloads.request;

import io.aria2sv.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * From what a user sent to validated requests: {@code .torrent} and metalink URLs are fetched in
 * their place ({@link MetaFetcher}), then the whole is checked by {@link RequestValidator}, on a
 * worker when that reads the file system. Fails with a {@link ValidationException} naming the
 * field.
 */
public final class Intake {
  private final Vertx vertx;
  private final RequestValidator validator;
  private final MetaFetcher fetcher;

  public Intake(Vertx vertx, RequestValidator validator) {
    this.vertx = vertx;
    this.validator = validator;
    this.fetcher = new MetaFetcher(vertx);
  }

  /**
   * The request of a single add. A metalink makes a batch ({@link #asBatch}): it is refused here
   * with the way to add it.
   */
  public Future<DownloadRequest> single(JsonObject body) {
    if (FollowedUrls.metalinkUrl(body) != null) {
      return Future.failedFuture(
          new ValidationException(
              "uris[0]",
              "is a metalink, which makes a batch: add it with "
                  + Addresses.BATCHES_ADD
                  + " {metalinkUri} (POST /api/v1/downloads does so), or give"
                  + " options.follow-metalink false"));
    }
    return following(body).compose(b -> validated(b, v -> validator.validate(v, "", "")));
  }

  /**
   * The requests of a batch {@code {items, dir?}}, {@code {metalink, dir?}} or {@code {metalinkUri,
   * dir?}}.
   */
  public Future<List<DownloadRequest>> batch(JsonObject body) {
    return followingBatch(body).compose(b -> validated(b, validator::batch));
  }

  /**
   * Where it is decided that a metalink is a batch, one download per file: for the body of a single
   * add, the body of the batch add it stands for ({@code {metalink, dir?}} as it is, or a metalink
   * URL as {@code {metalinkUri, dir?}}), else null.
   */
  public static JsonObject asBatch(JsonObject add) {
    if (add.containsKey("metalink")) {
      return add;
    }
    String url = FollowedUrls.metalinkUrl(add);
    if (url == null) {
      return null;
    }
    JsonObject batch = new JsonObject().put("metalinkUri", url);
    if (add.containsKey("dir")) {
      batch.put("dir", add.getValue("dir"));
    }
    return batch;
  }

  public void close() {
    fetcher.close();
  }

  /** An add whose one URI is a {@code .torrent} URL, with the torrent fetched in its place. */
  private Future<JsonObject> following(JsonObject body) {
    String url = FollowedUrls.torrentUrl(body);
    return url == null ? Future.succeededFuture(body) : fetcher.withTorrent(body, url);
  }

  /** A batch with its {@code metalinkUri} fetched, and the {@code .torrent} URLs of its items. */
  private Future<JsonObject> followingBatch(JsonObject body) {
    if (body.containsKey("metalinkUri")) {
      for (String name : body.fieldNames()) {
        if (!name.equals("metalinkUri") && !name.equals("dir")) {
          throw new ValidationException(name, "is not a known field with metalinkUri (dir)");
        }
      }
      Object url = body.getValue("metalinkUri");
      if (!(url instanceof String s) || !FollowedUrls.isHttp(s)) {
        throw new ValidationException("metalinkUri", "must be an http or https URL");
      }
      return fetcher.metalinkBatch(s, body.getValue("dir"), "metalinkUri");
    }
    if (!(body.getValue("items") instanceof JsonArray items)
        || items.stream()
            .noneMatch(i -> i instanceof JsonObject o && FollowedUrls.torrentUrl(o) != null)) {
      return Future.succeededFuture(body); // nothing to fetch: the batch as it came
    }
    List<Future<Object>> each = new ArrayList<>();
    for (Object item : items) {
      each.add(
          item instanceof JsonObject o
              ? following(o).map(x -> (Object) x)
              : Future.succeededFuture(item));
    }
    return Future.all(each).map(all -> body.copy().put("items", new JsonArray(all.list())));
  }

  /**
   * Validation stats the file system to follow symbolic links of a {@code dir}, so a request that
   * names one is validated on a worker; any other is checked right here.
   */
  private <T> Future<T> validated(JsonObject body, Function<JsonObject, T> check) {
    if (!RequestValidator.readsFileSystem(body)) {
      try {
        return Future.succeededFuture(check.apply(body));
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }
    return vertx.executeBlocking(() -> check.apply(body), false);
  }
}
