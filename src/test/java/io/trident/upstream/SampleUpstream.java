package io.trident.upstream;

/**
 * The sample upstream of README's "Upstream gRPC services": the test Inventory service in plaintext
 * on 127.0.0.1. {@code scripts/sample-upstream [PORT]} runs it (default port 50061).
 */
public final class SampleUpstream {

  private SampleUpstream() {}

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 50061;
    try (UpstreamFixture upstream = UpstreamFixture.plaintext(port)) {
      System.err.println(
          "sample upstream trident.test.upstream.v1.Inventory on "
              + upstream.target()
              + " (plaintext); descriptor set "
              + UpstreamFixture.descriptorSet());
      Thread.currentThread().join();
    }
  }
}
