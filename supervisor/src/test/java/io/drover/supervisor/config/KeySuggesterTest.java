package io.drover.supervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeySuggesterTest {
  static final List<String> APP_KEYS =
      List.of("kind", "command", "cwd", "env", "instances", "route", "restart", "stop", "logs");

  @Test
  void typosAreMatchedToTheClosestKey() {
    assertEquals(Optional.of("command"), KeySuggester.suggest("comand", APP_KEYS));
    assertEquals(Optional.of("command"), KeySuggester.suggest("commnad", APP_KEYS));
    assertEquals(Optional.of("instances"), KeySuggester.suggest("instance", APP_KEYS));
    assertEquals(Optional.of("restart"), KeySuggester.suggest("Restrat", APP_KEYS));
  }

  @Test
  void unrelatedKeysGetNoSuggestion() {
    assertEquals(Optional.empty(), KeySuggester.suggest("frobnicate", APP_KEYS));
    assertEquals(Optional.empty(), KeySuggester.suggest("xy", APP_KEYS));
  }

  @Test
  void distanceCountsASwapAsOneEdit() {
    assertEquals(1, KeySuggester.distance("polciy", "policy"));
    assertEquals(1, KeySuggester.distance("comand", "command"));
    assertEquals(0, KeySuggester.distance("stop", "stop"));
    assertEquals(4, KeySuggester.distance("", "stop"));
  }
}
