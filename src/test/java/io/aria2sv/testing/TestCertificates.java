package io.aria2sv.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test certificate authority and server certificates for 127.0.0.1 made with the openssl command
 * (Debian's {@code openssl} package; {@code .ci/run} installs it): a CA, and leaves it signs, each
 * with its own serial so a test can tell which one a server presents.
 */
public final class TestCertificates {
  private final Path dir;
  private int serial = 1;

  /** A new CA in {@code dir}: {@code ca.pem} and its key. */
  public TestCertificates(Path dir) throws Exception {
    this.dir = Files.createDirectories(dir);
    openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=aria2sv test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign");
  }

  /** The CA's certificate. */
  public Path ca() {
    return dir.resolve("ca.pem");
  }

  /**
   * A server certificate for 127.0.0.1 and localhost signed by the CA, written as {@code name.pem}
   * (the chain: leaf, then the CA) and {@code name.key}.
   *
   * @return the serial number it carries, in hex as openssl prints it
   */
  public long leaf(String name) throws Exception {
    long s = ++serial;
    Files.writeString(
        dir.resolve(name + ".ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    openssl(
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        name + ".key",
        "-out",
        name + ".csr",
        "-subj",
        "/CN=127.0.0.1");
    openssl(
        "x509",
        "-req",
        "-in",
        name + ".csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-set_serial",
        String.valueOf(s),
        "-days",
        "1",
        "-extfile",
        name + ".ext",
        "-out",
        name + ".crt");
    Files.writeString(
        dir.resolve(name + ".pem"),
        Files.readString(dir.resolve(name + ".crt")) + Files.readString(ca()));
    return s;
  }

  public Path cert(String name) {
    return dir.resolve(name + ".pem");
  }

  public Path key(String name) {
    return dir.resolve(name + ".key");
  }

  /** The base64 SHA-256 of the CA's public key, as Chromium's SPKI lists take it. */
  public String caSpki() throws Exception {
    Process p =
        new ProcessBuilder(
                "sh",
                "-c",
                "openssl x509 -in ca.pem -pubkey -noout | openssl pkey -pubin -outform der"
                    + " | openssl dgst -sha256 -binary | openssl base64 -A")
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("openssl: " + out);
    }
    return out;
  }

  private void openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
    }
  }
}
