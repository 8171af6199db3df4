package io.aria2sv.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.aria2sv.testing.SupervisorHarness;
import io.aria2sv.testing.TestConfig;
import io.vertx.config.yaml.YamlProcessor;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Every route of the router is in the OpenAPI document, with its method. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OpenApiTest {
  @TempDir Path root;

  @Test
  void everyRouteOfTheRouterIsDocumented(Vertx vertx) throws Exception {
    HttpVerticle http = new HttpVerticle();
    SupervisorHarness.await(
        vertx.deployVerticle(http, HttpVerticle.options(TestConfig.fast(vertx, root))));
    JsonObject doc;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("aria2sv/openapi.yaml")) {
      doc =
          SupervisorHarness.await(
              new YamlProcessor()
                  .process(vertx, new JsonObject(), Buffer.buffer(in.readAllBytes())));
    }
    JsonObject paths = doc.getJsonObject("paths");

    List<String> checked = new ArrayList<>();
    for (Route route : http.router().getRoutes()) {
      String path = route.getPath();
      if (path == null
          || route.methods() == null
          || route.methods().isEmpty()
          || path.endsWith("*")) {
        continue; // filters (auth, body, CORS) and the static dashboard
      }
      String documented = path.replaceAll(":([A-Za-z]+)", "{$1}");
      assertThat(paths.containsKey(documented))
          .as("%s is missing from openapi.yaml", documented)
          .isTrue();
      for (HttpMethod m : route.methods()) {
        assertThat(paths.getJsonObject(documented).containsKey(m.name().toLowerCase(Locale.ROOT)))
            .as("%s %s is missing from openapi.yaml", m, documented)
            .isTrue();
        checked.add(m + " " + documented);
      }
    }
    assertThat(checked)
        .contains(
            "POST /api/v1/downloads",
            "GET /api/v1/events",
            "DELETE /api/v1/downloads/{id}",
            "GET /health/ready")
        .hasSizeGreaterThanOrEqualTo(18);
    assertThat(paths.containsKey("/")).isTrue();
  }

  @Test
  void theDocumentIsValidOpenApi3WithAnOperationIdAndAResponseSchemaForEveryOperation()
      throws Exception {
    String yaml;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("aria2sv/openapi.yaml")) {
      yaml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    io.swagger.v3.parser.core.models.ParseOptions options =
        new io.swagger.v3.parser.core.models.ParseOptions();
    options.setResolve(true);
    io.swagger.v3.parser.core.models.SwaggerParseResult result =
        new io.swagger.v3.parser.OpenAPIV3Parser().readContents(yaml, null, options);

    assertThat(result.getMessages()).as("parser messages").isEmpty();
    io.swagger.v3.oas.models.OpenAPI api = result.getOpenAPI();
    List<String> operations = new ArrayList<>();
    api.getPaths()
        .forEach(
            (path, item) ->
                item.readOperationsMap()
                    .forEach(
                        (method, op) -> {
                          String what = method + " " + path;
                          operations.add(what);
                          assertThat(op.getOperationId())
                              .as("operationId of %s", what)
                              .isNotBlank();
                          op.getResponses()
                              .forEach(
                                  (status, response) -> {
                                    io.swagger.v3.oas.models.responses.ApiResponse r =
                                        response.get$ref() == null
                                            ? response
                                            : api.getComponents()
                                                .getResponses()
                                                .get(
                                                    response
                                                        .get$ref()
                                                        .substring(
                                                            response.get$ref().lastIndexOf('/')
                                                                + 1));
                                    if (!"204".equals(status)) {
                                      assertThat(r.getContent())
                                          .as("the %s response of %s has a schema", status, what)
                                          .isNotNull()
                                          .isNotEmpty();
                                      r.getContent()
                                          .forEach(
                                              (type, media) ->
                                                  assertThat(media.getSchema())
                                                      .as("%s %s %s", what, status, type)
                                                      .isNotNull());
                                    }
                                  });
                        }));
    assertThat(operations).hasSizeGreaterThanOrEqualTo(20);
    assertThat(operations.stream().distinct()).hasSameSizeAs(operations);
  }
}
