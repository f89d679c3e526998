package io.trident.server.jsonrpc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.trident.json.ByteSink;
import io.trident.json.CompactJson;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The JSON codec for protocol messages: Jackson's streaming parser (strict JSON, the same for every
 * transport) straight into Vert.x {@code JsonObject}s, and {@link CompactJson} for writing, without
 * the data-binding layer that {@code Json.CODEC} would bring. It is faster per message and much
 * cheaper to start, which a freshly spawned stdio server notices.
 */
public final class WireJson {

  private static final JsonFactory FACTORY = new JsonFactory();

  private WireJson() {}

  /**
   * A JsonObject, JsonArray, String, Number, Boolean or null. Parsed from the buffer's own array
   * when it has one (Vert.x's codec reads it through an InputStream and a copy), by the same strict
   * parser as stdio lines: JSON only, no comments.
   */
  public static Object decode(Buffer bytes) throws DecodeException {
    ByteBuf buf = ((BufferInternal) bytes).getByteBuf();
    if (buf.hasArray()) {
      return decode(buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes());
    }
    return decode(bytes.getBytes(), 0, bytes.length());
  }

  /**
   * Parses straight from a byte range (no copy, no stream wrapper): the stdio reader's hot path.
   *
   * @throws DecodeException when the bytes are not exactly one JSON value
   */
  public static Object decode(byte[] bytes, int offset, int length) throws DecodeException {
    JsonParser parser;
    try {
      parser = FACTORY.createParser(bytes, offset, length);
    } catch (IOException e) {
      throw new DecodeException("Failed to decode: " + e.getMessage());
    }
    return JacksonCodec.fromParser(parser, Object.class);
  }

  public static Object decode(String text) throws DecodeException {
    JsonParser parser;
    try {
      parser = FACTORY.createParser(text);
    } catch (IOException e) {
      throw new DecodeException("Failed to decode: " + e.getMessage());
    }
    return JacksonCodec.fromParser(parser, Object.class);
  }

  /**
   * Compact JSON: never contains a raw newline, as stdio framing needs. Written as UTF-8 into the
   * thread's scratch array and copied once into an array of the exact size (Vert.x's codec builds a
   * String first and encodes it again; a growing Netty buffer paid for every doubling and its
   * allocator's counters), exactly as {@link #encodeTo} writes it, so every transport sends the
   * same bytes for the same message.
   */
  public static Buffer encode(Object json) {
    ByteSink scratch = SCRATCH.get();
    try {
      CompactJson.write(json, scratch);
      return BufferInternal.buffer(
          Unpooled.wrappedBuffer(Arrays.copyOf(scratch.array(), scratch.size())));
    } finally {
      scratch.clear();
    }
  }

  private static final ThreadLocal<ByteSink> SCRATCH =
      ThreadLocal.withInitial(() -> new ByteSink(16 * 1024));

  /**
   * Writes the same bytes as {@link #encode} straight into {@code out} (no intermediate array or
   * Buffer per message when it is a {@link ByteSink}): the stdio writer's hot path. {@code out} is
   * not closed.
   */
  public static void encodeTo(Object json, OutputStream out) {
    if (out instanceof ByteSink sink) {
      CompactJson.write(json, sink);
      return;
    }
    ByteSink scratch = SCRATCH.get();
    try {
      CompactJson.write(json, scratch);
      out.write(scratch.array(), 0, scratch.size());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      scratch.clear();
    }
  }
}
