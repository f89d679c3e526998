package io.trident.model;

/**
 * What {@code completion/complete} completes: a prompt's argument or a resource template's
 * variable.
 */
public sealed interface CompletionReference
    permits CompletionReference.Prompt, CompletionReference.ResourceTemplate {

  record Prompt(String name) implements CompletionReference {}

  record ResourceTemplate(String uri) implements CompletionReference {}
}
