package io.trident.desktop;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes JSON the way the desktop clients (Electron apps) write their own files, {@code
 * JSON.stringify(value, null, 2)}: two-space indent, {@code "key": value}, one array element per
 * line, {@code {}} and {@code []} when empty. A merged file then differs from the original only
 * where the entry changed.
 */
final class ClientJson {

  private static final ObjectMapper MAPPER = JsonMapper.builder().build();

  private ClientJson() {}

  static String write(JsonNode value) {
    try {
      return MAPPER.writer(new StringifyPrinter()).writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final class StringifyPrinter extends DefaultPrettyPrinter {
    private static final DefaultIndenter TWO_SPACES = new DefaultIndenter("  ", "\n");

    StringifyPrinter() {
      super(
          Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
      _objectIndenter = TWO_SPACES;
      _arrayIndenter = TWO_SPACES;
    }

    @Override
    public DefaultPrettyPrinter createInstance() {
      return new StringifyPrinter();
    }

    @Override
    public void writeEndObject(JsonGenerator g, int nrOfEntries) throws IOException {
      if (nrOfEntries > 0) {
        super.writeEndObject(g, nrOfEntries);
      } else {
        --_nesting;
        g.writeRaw('}');
      }
    }

    @Override
    public void writeEndArray(JsonGenerator g, int nrOfValues) throws IOException {
      if (nrOfValues > 0) {
        super.writeEndArray(g, nrOfValues);
      } else {
        --_nesting;
        g.writeRaw(']');
      }
    }
  }
}
