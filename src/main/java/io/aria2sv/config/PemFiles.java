package io.aria2sv.config;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import javax.net.ssl.X509KeyManager;

/**
 * PEM certificates and keys named by the configuration ({@code http.tls}, {@code cluster.tls}):
 * read and checked at start, each problem a {@link ConfigException} naming the key. Blocking.
 */
public final class PemFiles {
  private PemFiles() {}

  /** A certificate chain and its key as read, with what the log says of the certificate. */
  public record Pair(Buffer cert, Buffer key, String subject, String notAfter) {
    /** Whether both files hold what {@code other}'s held. */
    public boolean sameFiles(Pair other) {
      return other != null && cert.equals(other.cert) && key.equals(other.key);
    }
  }

  /** The bytes of {@code file}, named by configuration key {@code key}. */
  public static Buffer read(String key, Path file) {
    try {
      return Buffer.buffer(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw new ConfigException(key, "cannot read " + file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new ConfigException(key, "cannot read " + file + ": permission denied");
    } catch (IOException e) {
      throw new ConfigException(key, "cannot read " + file + ": " + e.getMessage());
    }
  }

  /** Fails unless {@code file} (a private key) can be read and written by its owner alone. */
  public static void ownerOnly(String key, Path file) {
    Set<PosixFilePermission> mode;
    try {
      mode = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      return; // not a POSIX file system: nothing to check
    } catch (IOException e) {
      throw new ConfigException(key, "cannot read " + file + ": " + e.getMessage());
    }
    Set<PosixFilePermission> others = EnumSet.copyOf(mode);
    others.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    if (!others.isEmpty()) {
      throw new ConfigException(
          key,
          file
              + " is a private key that others can use (mode "
              + PosixFilePermissions.toString(mode)
              + "): make it 0600 (chmod 600)");
    }
  }

  /**
   * Reads a PEM certificate chain and its key, {@code prefix.cert} and {@code prefix.key}, and
   * checks that they load and that the key belongs to the first certificate.
   */
  public static Pair load(String prefix, Path certFile, Path keyFile) {
    Buffer cert = read(prefix + ".cert", certFile);
    Buffer key = read(prefix + ".key", keyFile);
    if (!cert.toString().contains("-----BEGIN CERTIFICATE-----")) {
      throw new ConfigException(
          prefix + ".cert", certFile + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    if (!key.toString().contains("PRIVATE KEY-----")) {
      throw new ConfigException(
          prefix + ".key", keyFile + " holds no PEM private key (-----BEGIN … PRIVATE KEY-----)");
    }
    X509KeyManager manager;
    try {
      manager =
          Arrays.stream(
                  new PemKeyCertOptions()
                      .addCertValue(cert)
                      .addKeyValue(key)
                      .getKeyManagerFactory(null)
                      .getKeyManagers())
              .filter(X509KeyManager.class::isInstance)
              .map(X509KeyManager.class::cast)
              .findFirst()
              .orElseThrow();
    } catch (Exception e) {
      throw new ConfigException(
          prefix, "cannot load " + certFile + " and " + keyFile + ": " + e.getMessage());
    }
    for (String type : new String[] {"RSA", "EC", "EdDSA", "Ed25519", "RSASSA-PSS"}) {
      String[] aliases = manager.getServerAliases(type, null);
      if (aliases != null && aliases.length > 0) {
        X509Certificate[] chain = manager.getCertificateChain(aliases[0]);
        PrivateKey pk = manager.getPrivateKey(aliases[0]);
        if (chain == null || chain.length == 0 || pk == null) {
          continue;
        }
        if (!matches(pk, chain[0])) {
          throw new ConfigException(
              prefix + ".key",
              keyFile + " is not the key of the certificate in " + certFile + " (first one)");
        }
        return new Pair(
            cert,
            key,
            chain[0].getSubjectX500Principal().getName(),
            chain[0].getNotAfter().toInstant().toString());
      }
    }
    throw new ConfigException(
        prefix, "no usable key and certificate in " + certFile + " and " + keyFile);
  }

  /** Whether {@code key} signs what the certificate's public key verifies. */
  private static boolean matches(PrivateKey key, X509Certificate cert) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "EdDSA", "Ed25519" -> "Ed25519";
          default -> null;
        };
    if (algorithm == null) {
      return true; // an unusual key type: the handshake will tell
    }
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(cert.getPublicKey());
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
