package io.aria2sv.downloads.request;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The files of a metalink (version 4, RFC 5854, and version 3): name, URLs and the strongest hash
 * each gives, so each file becomes one download of a batch, with aria2 checking its {@code
 * checksum}. The XML is parsed with DTDs and external entities off.
 */
final class Metalink {
  /** Largest metalink accepted. */
  static final int MAX_BYTES = 1 << 20;

  /** Hash types aria2's checksum option takes, strongest first. */
  private static final List<String> HASHES =
      List.of("sha-512", "sha-384", "sha-256", "sha-224", "sha-1", "md5");

  private Metalink() {}

  /** One file: its name (may hold '/'), URLs in the order given, and {@code type=hex} or null. */
  record File(String name, List<String> urls, String checksum) {}

  static List<File> parse(byte[] data) throws IllegalArgumentException {
    if (data.length == 0 || data.length > MAX_BYTES) {
      throw new IllegalArgumentException("must be 1 byte to 1 MiB");
    }
    Document doc;
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setNamespaceAware(true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setExpandEntityReferences(false);
      DocumentBuilder b = f.newDocumentBuilder();
      b.setErrorHandler(null);
      doc = b.parse(new ByteArrayInputStream(data));
    } catch (Exception e) {
      throw new IllegalArgumentException("is not well-formed XML: " + e.getMessage());
    }
    Element root = doc.getDocumentElement();
    if (!"metalink".equals(root.getLocalName())) {
      throw new IllegalArgumentException(
          "is not a metalink (its root element is " + root.getLocalName() + ")");
    }
    List<File> out = new ArrayList<>();
    NodeList files = root.getElementsByTagNameNS("*", "file");
    for (int i = 0; i < files.getLength(); i++) {
      Element file = (Element) files.item(i);
      String name = file.getAttribute("name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("file " + (i + 1) + " has no name");
      }
      List<String> urls = new ArrayList<>();
      NodeList us = file.getElementsByTagNameNS("*", "url");
      for (int j = 0; j < us.getLength(); j++) {
        String u = us.item(j).getTextContent().trim();
        if (!u.isEmpty()) {
          urls.add(u);
        }
      }
      if (urls.isEmpty()) {
        throw new IllegalArgumentException("file " + name + " has no url");
      }
      out.add(new File(name, urls, checksum(file)));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("holds no file");
    }
    return out;
  }

  /**
   * The strongest {@code <hash type=…>} directly in the file (not a piece hash), as aria2's
   * checksum.
   */
  private static String checksum(Element file) {
    Map<String, String> found = new java.util.HashMap<>();
    NodeList hashes = file.getElementsByTagNameNS("*", "hash");
    for (int i = 0; i < hashes.getLength(); i++) {
      Node h = hashes.item(i);
      Node parent = h.getParentNode();
      boolean direct =
          parent == file
              || parent instanceof Element p
                  && "verification".equals(p.getLocalName())
                  && p.getParentNode() == file;
      if (direct && h instanceof Element e) {
        String type =
            e.getAttribute("type")
                .toLowerCase(Locale.ROOT)
                .replace("sha256", "sha-256")
                .replace("sha1", "sha-1")
                .replace("sha512", "sha-512");
        found.put(type, e.getTextContent().trim().toLowerCase(Locale.ROOT));
      }
    }
    for (String t : HASHES) {
      if (found.containsKey(t) && found.get(t).matches("[0-9a-f]+")) {
        return t + "=" + found.get(t);
      }
    }
    return null;
  }
}
