package io.aria2sv.downloads;

import io.aria2sv.bus.Addresses;
import io.aria2sv.bus.BusReplies;
import io.aria2sv.bus.ErrorCode;
import io.aria2sv.bus.ServiceException;
import io.aria2sv.downloads.request.Categories;
import io.aria2sv.downloads.request.RequestValidator;
import io.aria2sv.downloads.request.ValidationException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The categories on the bus ({@code aria2.categories.*}): read them, add or replace one, remove
 * one; each change is checked like the configuration's, kept in {@code categories.json}, and holds
 * for every later add. Downloads added with a category keep what it gave them.
 */
final class CategoryConsumers {
  private static final Logger LOG = LoggerFactory.getLogger(CategoryConsumers.class);

  private final Vertx vertx;
  private final RequestValidator validator;

  CategoryConsumers(Vertx vertx, RequestValidator validator) {
    this.vertx = vertx;
    this.validator = validator;
  }

  void register() {
    var bus = vertx.eventBus();
    bus.<JsonObject>localConsumer(
        Addresses.CATEGORIES_GET, m -> m.reply(validator.categories().toJson()));
    bus.<JsonObject>localConsumer(
        Addresses.CATEGORIES_PUT,
        m ->
            BusReplies.answer(
                m,
                b -> {
                  String name = name(b);
                  return vertx
                      .executeBlocking(
                          () -> {
                            Categories now = validator.categories();
                            return now.with(now.parse(name, b.getValue("category"), "category"));
                          },
                          false)
                      .map(
                          next -> {
                            validator.completion(next, validator.defaultMoveTo());
                            LOG.info("category {} set: {}", name, next.get(name).toJson().encode());
                            return next.toJson();
                          });
                }));
    bus.<JsonObject>localConsumer(
        Addresses.CATEGORIES_DELETE,
        m ->
            BusReplies.answer(
                m,
                b -> {
                  String name = name(b);
                  if (validator.categories().get(name) == null) {
                    throw new ServiceException(
                        ErrorCode.NOT_FOUND, "no category is called '" + name + "'");
                  }
                  return vertx
                      .executeBlocking(() -> validator.categories().without(name), false)
                      .map(
                          next -> {
                            validator.completion(next, validator.defaultMoveTo());
                            LOG.info("category {} removed", name);
                            return next.toJson();
                          });
                }));
  }

  private static String name(JsonObject b) {
    if (!(b.getValue("name") instanceof String s) || s.isBlank()) {
      throw new ValidationException("name", "must be a category name");
    }
    return s;
  }
}
