package io.aria2sv;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The package layering of the main code, written down as rules (README, "Layout"): imports run
 * downwards only, from the ways in (http, jsonrpc) and the cluster through the downloads engine and
 * the supervisor to rpc, registry and the leaf vocabulary (bus, lifecycle, config), and no two
 * packages depend on each other.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ArchitectureTest {
  private static final String ROOT = "io.aria2sv";
  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);
  }

  /** Every rule of the layout, checked against the main classes. */
  static ArchRule[] rules() {
    return new ArchRule[] {
      slices().matching("io.aria2sv.(**)").should().beFreeOfCycles().as("no package cycles"),
      noClasses()
          .that()
          .resideOutsideOfPackage(ROOT)
          .should()
          .dependOnClassesThat()
          .resideInAPackage(ROOT)
          .as("only the composition root uses the root package"),
      leaf("bus"),
      leaf("lifecycle"),
      leaf("config"),
      leaf("bittorrent"),
      leaf("systemd"),
      never(
          "auth",
          "rpc",
          "metrics",
          "supervisor",
          "downloads..",
          "cluster",
          "http",
          "jsonrpc",
          "schedule",
          "trackers"),
      never(
          "rpc",
          "metrics",
          "supervisor",
          "downloads..",
          "cluster",
          "http",
          "jsonrpc",
          "schedule",
          "trackers"),
      never(
          "metrics",
          "supervisor",
          "downloads..",
          "cluster",
          "http",
          "jsonrpc",
          "schedule",
          "trackers"),
      never("supervisor", "downloads..", "cluster", "http", "jsonrpc", "schedule", "trackers"),
      never("schedule", "downloads..", "cluster", "http", "jsonrpc", "trackers"),
      never("trackers", "supervisor", "downloads..", "cluster", "http", "jsonrpc", "schedule"),
      never("downloads..", "supervisor", "cluster", "http", "jsonrpc"),
      never("downloads.request", "downloads.engine", "downloads.registry", "downloads"),
      never("downloads.registry", "downloads.engine", "downloads.request", "downloads"),
      never("downloads.engine", "downloads"),
      never("downloads.completion", "downloads.engine", "downloads.request", "downloads"),
      never("cluster", "http", "jsonrpc"),
      never("http", "cluster"),
      never("jsonrpc", "cluster", "http"),
    };
  }

  @Test
  void mainCodeKeepsTheLayout() {
    List<String> violated = new ArrayList<>();
    for (ArchRule rule : rules()) {
      EvaluationResult result = rule.evaluate(main);
      if (result.hasViolation()) {
        violated.add(result.getFailureReport().toString());
      }
    }
    assertThat(violated).as("rules of the layout that the main code breaks").isEmpty();
  }

  /**
   * The rules can fail: the same cycle rule finds the cycle between the two fixture packages of the
   * test tree ({@code archfixture.a} and {@code archfixture.b} use each other), and a leaf rule
   * finds {@code a} importing {@code b}.
   */
  @Test
  void rulesReportACycleAndAnUpwardImport() {
    JavaClasses fixtures = new ClassFileImporter().importPackages(ROOT + ".archfixture");
    assertThat(slices().matching("io.aria2sv.(**)").should().beFreeOfCycles().evaluate(fixtures))
        .satisfies(r -> assertThat(r.hasViolation()).isTrue());
    assertThat(leaf("archfixture.a").evaluate(fixtures).hasViolation()).isTrue();
    assertThat(never("archfixture.b", "archfixture.a").evaluate(fixtures).hasViolation()).isTrue();
  }

  /** {@code pkg} imports nothing of ours outside itself. */
  static ArchRule leaf(String pkg) {
    return noClasses()
        .that()
        .resideInAPackage(ROOT + "." + pkg)
        .should()
        .dependOnClassesThat(
            resideInAPackage(ROOT + "..").and(resideOutsideOfPackage(ROOT + "." + pkg)))
        .as(pkg + " is a leaf: it imports nothing of ours");
  }

  /** {@code pkg} never imports any of {@code above}. */
  static ArchRule never(String pkg, String... above) {
    String[] packages = new String[above.length];
    for (int i = 0; i < above.length; i++) {
      packages[i] = ROOT + "." + above[i];
    }
    return noClasses()
        .that()
        .resideInAPackage(ROOT + "." + pkg)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(packages)
        .as(pkg + " never imports " + String.join(", ", above));
  }
}
