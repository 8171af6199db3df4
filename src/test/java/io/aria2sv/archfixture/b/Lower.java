package io.aria2sv.archfixture.b;

import io.aria2sv.archfixture.a.Upper;

/** The other half of the deliberate cycle (see {@code Upper}). */
public final class Lower {
  private Lower() {}

  /** Uses the first package back: the cycle. */
  public static int depth() {
    return Upper.class.getSimpleName().length() > 0 ? 0 : 1;
  }
}
