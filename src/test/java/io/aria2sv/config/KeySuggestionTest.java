package io.aria2sv.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class KeySuggestionTest {
  private static final List<String> KNOWN =
      List.of("checkInterval", "healthTimeout", "failureThreshold", "port", "host");

  @Test
  void caseAndSeparatorsDoNotCount() {
    assertThat(KeySuggestion.closest("CHECK_INTERVAL", KNOWN)).contains("checkInterval");
    assertThat(KeySuggestion.closest("health-timeout", KNOWN)).contains("healthTimeout");
  }

  @Test
  void upToTwoSlipsAreForgivenInALongName() {
    assertThat(KeySuggestion.closest("healthTimout", KNOWN)).contains("healthTimeout");
    assertThat(KeySuggestion.closest("failureTreshhold", KNOWN)).contains("failureThreshold");
    assertThat(KeySuggestion.closest("chekcIntervl", KNOWN)).contains("checkInterval");
    assertThat(KeySuggestion.closest("chkIntrvl", KNOWN)).isEmpty();
  }

  @Test
  void aShortNameIsForgivenOneSlipOnly() {
    assertThat(KeySuggestion.closest("prot", KNOWN)).contains("port");
    assertThat(KeySuggestion.closest("pt", KNOWN)).isEmpty();
  }

  @Test
  void twoNamesEquallyCloseMakeNoGuess() {
    assertThat(KeySuggestion.closest("hort", KNOWN)).isEmpty();
    assertThat(KeySuggestion.didYouMean("hort", KNOWN)).isEmpty();
  }

  @Test
  void theSuggestionReadsAsAnEndingToTheMessage() {
    assertThat(KeySuggestion.didYouMean("prot", KNOWN)).isEqualTo("; did you mean port?");
    assertThat(KeySuggestion.didYouMean("colour", KNOWN)).isEmpty();
  }
}
