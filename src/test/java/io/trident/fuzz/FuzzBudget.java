package io.trident.fuzz;

/**
 * How long each {@code @FuzzTest} fuzzes when {@code JAZZER_FUZZ=1} (scripts/fuzz --short, run by
 * scripts/test). Without it, as in {@code mvn verify}, fuzz tests only replay their committed
 * regression inputs ({@code src/test/resources/<package>/<Class>Inputs/<method>/}). Long runs use
 * the Jazzer command line with a duration of their own (scripts/fuzz --duration).
 */
public final class FuzzBudget {

  /** Per fuzz test in the short run: nine targets make about three minutes with start-up. */
  public static final String SHORT = "6s";

  private FuzzBudget() {}
}
