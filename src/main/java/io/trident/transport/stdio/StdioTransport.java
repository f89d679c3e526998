package io.trident.transport.stdio;

import io.trident.context.CallerMetadata;
import io.trident.context.Cancellation;
import io.trident.context.Principal;
import io.trident.model.McpException;
import io.trident.server.McpServer;
import io.trident.server.McpSession;
import io.trident.server.ModernChannel;
import io.trident.server.jsonrpc.JsonRpcCodec;
import io.trident.server.jsonrpc.JsonRpcError;
import io.trident.server.jsonrpc.JsonRpcMessage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MCP over stdio: newline-delimited JSON-RPC on stdin and stdout, one session for the life of the
 * process. A reader thread frames and parses lines (blocking reads never touch the event loop), the
 * session handles them concurrently on its event loop, and a writer thread owns stdout.
 */
public final class StdioTransport {

  private static final Logger LOG = LoggerFactory.getLogger(StdioTransport.class);

  /** Messages waiting for stdout before we stop reading more requests. */
  private static final long BACKLOG_HIGH_WATER = 10_000;

  /**
   * Lines handed to the event loop in one task, and replies handed to the writer at once. Batches
   * amortise the hand-offs between threads, but a stage only starts on a batch when the previous
   * stage has finished it: kept small so that reading, handling and writing overlap.
   */
  private static final int MAX_BATCH = 16;

  private final McpServer server;
  private final InputStream in;
  private final StdoutWriter writer;
  private final int maxLineBytes;
  private final Principal principal;
  private final Duration drainGrace;
  private final Promise<Void> closed = Promise.promise();
  private final AtomicBoolean stopping = new AtomicBoolean();

  /** Cleared when reading ends (EOF or shutdown): lines read after that are not handled. */
  private volatile boolean reading = true;

  private Context context;
  private McpSession session;
  private ModernChannel modern;

  /** Non-null while the event loop handles a batch of lines; touched only on the event loop. */
  private List<Object> collecting;

  /**
   * @param in usually the process's stdin
   * @param out the real stdout, which nothing else may write to
   * @param drainGrace how long the requests already read at EOF may take to finish and be answered
   *     before the rest are cancelled
   */
  public StdioTransport(
      McpServer server,
      InputStream in,
      OutputStream out,
      int maxLineBytes,
      Principal principal,
      Duration drainGrace) {
    this.server = server;
    this.in = in;
    this.writer = new StdoutWriter(out);
    this.maxLineBytes = maxLineBytes;
    this.principal = principal;
    this.drainGrace = drainGrace;
  }

  /**
   * Starts reading; the future completes when the session has ended: after EOF and the drain, or
   * after {@link #stop}.
   */
  public Future<Void> start(Context context) {
    this.context = context;
    writer.start();
    context.runOnContext(
        v -> {
          session =
              new McpSession(
                  server,
                  context,
                  principal,
                  "stdio",
                  (message, related) -> emit(message.toJson()));
          modern =
              new ModernChannel(
                  server.modern(), principal, "stdio", CallerMetadata.EMPTY, null, this::emit);
          session.onAuthorizationEnded(
              why ->
                  LOG.warn(
                      "stdio: the local token's authorization ended ({}); requests now get an"
                          + " auth error and notifications stop. The process keeps running:"
                          + " restart it with a fresh token.",
                      why.wire()));
          Thread reader = new Thread(this::readLoop, "trident-stdin");
          reader.setDaemon(true);
          reader.start();
        });
    return closed.future();
  }

  /**
   * Stops handling input (a shutdown has begun): lines that still arrive are not handled. The
   * requests already read keep running until {@link #stop}.
   */
  public void stopReading() {
    reading = false;
  }

  /**
   * Cancels in-flight work, flushes what is already queued for stdout, and ends the session; the
   * returned future completes when that is done.
   */
  public Future<Void> stop() {
    reading = false;
    if (!stopping.compareAndSet(false, true)) {
      return closed.future();
    }
    context.runOnContext(
        v -> {
          if (session != null) {
            session.close(Cancellation.Reason.SHUTDOWN);
          }
          if (modern != null) {
            modern.cancelAll();
          }
          // Drain off the event loop: joining the writer thread blocks.
          Thread drain =
              new Thread(
                  () -> {
                    writer.drainAndStop(1000);
                    closed.tryComplete();
                  },
                  "trident-stdout-drain");
          drain.setDaemon(true);
          drain.start();
        });
    return closed.future();
  }

  /**
   * At EOF: the requests already read get up to the drain grace to finish and be answered (so that
   * {@code printf '...' | trident} answers its last call), then whatever is left is cancelled. With
   * nothing in flight the session ends at once.
   */
  private void drainThenStop() {
    reading = false;
    context.runOnContext(
        v -> {
          Future<Void> idle = Future.all(session.whenIdle(), modern.whenIdle()).mapEmpty();
          if (idle.isComplete()) {
            stop();
            return;
          }
          LOG.debug("stdin closed; waiting up to {} for requests in progress", drainGrace);
          long timer = context.owner().setTimer(Math.max(1, drainGrace.toMillis()), t -> stop());
          idle.onComplete(
              ar -> {
                context.owner().cancelTimer(timer);
                stop();
              });
        });
  }

  /** Runs on the reader thread: blocking reads are fine here and nowhere else. */
  private void readLoop() {
    LineReader reader = new LineReader(in, maxLineBytes);
    List<JsonRpcCodec.Decoded> batch = new ArrayList<>(MAX_BATCH);
    try {
      while (!stopping.get()) {
        LineReader.Line line = reader.next();
        if (line instanceof LineReader.End) {
          break;
        }
        JsonRpcCodec.Decoded decoded = decode(line);
        if (decoded != null) {
          batch.add(decoded);
        }
        if (batch.size() >= MAX_BATCH || !reader.hasBufferedLine()) {
          dispatch(batch);
          batch = new ArrayList<>(MAX_BATCH);
          waitForWriter();
        }
      }
    } catch (IOException e) {
      LOG.debug("stdin failed: {}", e.toString());
    }
    dispatch(batch);
    if (!stopping.get()) {
      drainThenStop();
    }
  }

  private static JsonRpcCodec.Decoded decode(LineReader.Line line) {
    if (line instanceof LineReader.TooLong tooLong) {
      LOG.warn("refused a {}-byte message over the stdio line limit", tooLong.length());
      return new JsonRpcCodec.Invalid(
          JsonRpcMessage.Response.failure(
              null,
              new JsonRpcError(
                  McpException.INVALID_REQUEST,
                  "Invalid Request: message exceeds the size limit",
                  null)));
    }
    LineReader.Text text = (LineReader.Text) line;
    if (isBlank(text)) {
      return null;
    }
    return JsonRpcCodec.decode(text.bytes(), 0, text.length());
  }

  private static boolean isBlank(LineReader.Text text) {
    for (int i = 0; i < text.length(); i++) {
      byte b = text.bytes()[i];
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  private void dispatch(List<JsonRpcCodec.Decoded> batch) {
    if (batch.isEmpty() || !reading) {
      return;
    }
    context.runOnContext(
        v -> {
          // Replies produced while this batch runs go to the writer in one hand-off.
          collecting = new ArrayList<>(batch.size());
          try {
            for (JsonRpcCodec.Decoded decoded : batch) {
              if (session.isClosed()) {
                return;
              }
              if (decoded instanceof JsonRpcCodec.Single single
                  && modern.claims(single.message())) {
                modern.handle(single.message());
                continue;
              }
              session.handle(decoded).onComplete(this::reply);
            }
          } finally {
            List<Object> replies = collecting;
            collecting = null;
            writer.writeAll(replies);
          }
        });
  }

  private void reply(io.vertx.core.AsyncResult<Object> result) {
    if (result.succeeded() && result.result() != null) {
      emit(result.result());
    } else if (result.failed()) {
      LOG.error("unexpected failure handling a message", result.cause());
    }
  }

  /** Sends one message; on the event loop, in order with everything else the session emits. */
  private void emit(Object json) {
    List<Object> batch = collecting;
    if (batch != null) {
      batch.add(json);
      if (batch.size() >= MAX_BATCH) {
        writer.writeAll(batch);
        collecting = new ArrayList<>(MAX_BATCH);
      }
    } else {
      writer.write(json);
    }
  }

  /** Back-pressure: a client that does not read stdout stops us from reading more requests. */
  private void waitForWriter() {
    while (writer.backlog() > BACKLOG_HIGH_WATER && !stopping.get()) {
      LockSupport.parkNanos(1_000_000);
    }
  }
}
