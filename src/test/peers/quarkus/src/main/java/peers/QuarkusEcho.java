package peers;

import io.quarkiverse.mcp.server.Tool;
import io.quarkiverse.mcp.server.ToolArg;

/**
 * Trident's echo tool on the Quarkiverse MCP server extension, for {@code scripts/bench peers}: the
 * answer is one text content holding the argument, as every peer answers.
 */
public final class QuarkusEcho {

  @Tool(description = "Echoes the text back")
  String echo(@ToolArg(description = "The text to echo") String text) {
    return text;
  }
}
