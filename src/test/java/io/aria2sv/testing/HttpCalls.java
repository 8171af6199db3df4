package io.aria2sv.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Plain HTTP requests to a stack on 127.0.0.1 from the JUnit thread (blocking is fine there). */
public final class HttpCalls {
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  private HttpCalls() {}

  /**
   * {@code method path} with a JSON {@code body} (or none) and a bearer {@code token} (or none).
   */
  public static HttpResponse<String> call(
      int port, String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
