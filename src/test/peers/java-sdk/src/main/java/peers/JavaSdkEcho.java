package peers;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * The official MCP Java SDK server with Trident's echo tool, for {@code scripts/bench peers}: its
 * stdio transport, or its Streamable HTTP servlet on embedded Tomcat (127.0.0.1:PORT/mcp).
 *
 * <pre>
 *   java -cp ... peers.JavaSdkEcho stdio
 *   java -cp ... peers.JavaSdkEcho http PORT
 * </pre>
 */
public final class JavaSdkEcho {

  private static final McpSchema.Tool ECHO =
      McpSchema.Tool.builder()
          .name("echo")
          .description("Echoes the text back")
          .inputSchema(
              Map.of(
                  "type",
                  "object",
                  "properties",
                  Map.of("text", Map.of("type", "string")),
                  "required",
                  List.of("text")))
          .build();

  public static void main(String[] args) throws Exception {
    McpJsonMapper json = McpJsonDefaults.getMapper();
    if (args.length == 1 && args[0].equals("stdio")) {
      McpSyncServer server = echo(McpServer.sync(new StdioServerTransportProvider(json)));
      Runtime.getRuntime().addShutdownHook(new Thread(server::close));
      Thread.currentThread().join();
    } else if (args.length == 2 && args[0].equals("http")) {
      HttpServletStreamableServerTransportProvider transport =
          HttpServletStreamableServerTransportProvider.builder()
              .jsonMapper(json)
              .mcpEndpoint("/mcp")
              .build();
      echo(McpServer.sync(transport));
      Tomcat tomcat = new Tomcat();
      tomcat.setBaseDir(System.getProperty("java.io.tmpdir"));
      Connector connector = new Connector();
      connector.setProperty("address", "127.0.0.1");
      connector.setPort(Integer.parseInt(args[1]));
      // Tomcat closes a keep-alive connection after 100 requests by default; the other servers
      // keep theirs open, so this one does too.
      connector.setProperty("maxKeepAliveRequests", "-1");
      tomcat.setConnector(connector);
      Context context = tomcat.addContext("", null);
      Tomcat.addServlet(context, "mcp", transport).setAsyncSupported(true);
      context.addServletMappingDecoded("/*", "mcp");
      tomcat.start();
      System.err.println("listening on 127.0.0.1:" + args[1]);
      tomcat.getServer().await();
    } else {
      System.err.println("usage: JavaSdkEcho stdio | http PORT");
      System.exit(2);
    }
  }

  private static McpSyncServer echo(McpServer.SyncSpecification<?> spec) {
    return spec.serverInfo("java-sdk-echo", "1.0.0")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
        .toolCall(
            ECHO,
            (exchange, request) ->
                McpSchema.CallToolResult.builder()
                    .addTextContent(String.valueOf(request.arguments().get("text")))
                    .build())
        .build();
  }

  private JavaSdkEcho() {}
}
