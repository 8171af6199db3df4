package io.aria2sv.archfixture.a;

import io.aria2sv.archfixture.b.Lower;

/** Half of a deliberate package cycle, for ArchitectureTest's check that its rules can fail. */
public final class Upper {
  private Upper() {}

  /** Uses the other package. */
  public static int depth() {
    return Lower.depth() + 1;
  }
}
