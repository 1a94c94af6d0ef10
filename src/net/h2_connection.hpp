#pragma once
// One HTTP/2 connection to an upstream (TLS with ALPN h2, or plain TCP with prior knowledge:
// h2c), on nghttp2. The session is fed from the
// connection's socket and drained into it with plain Asio callbacks on the worker's executor (no
// lock, no coroutine of its own): a readiness wait, then every record there is, one try each;
// every frame nghttp2 has ready written at once, and only what the socket does not take left to
// one async_write at a time.
// Each request is an H2Stream, owned by whoever waits for its answer; the connection points at it
// only while nghttp2 has the stream open.
//
// Reads run only while something is expected (an open stream, an unanswered PING): an idle
// connection keeps no operation pending, like an idle HTTP/1.1 one in the pool, so an io_context
// with nothing but idle connections still runs dry. What the peer sent meanwhile (a GOAWAY, a
// PING, its close) is read before the connection takes another stream (usableAfterIdle).
//
// Flow control: the connection window is handed back as DATA arrives, so one stalled stream never
// stalls the others; a stream's window only as its reader takes the data (H2Stream::consumed), so
// a reader that stops holds at most one stream window of body, and the peer waits.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <nghttp2/nghttp2.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/http_message.hpp"
#include "core/result.hpp"
#include "net/wakeup.hpp"

namespace switchyard::net {

class UpstreamConnection;
class H2Connection;

struct H2Settings {
  std::uint32_t streamWindow = 1u << 20;       // SETTINGS_INITIAL_WINDOW_SIZE we announce
  std::uint32_t connectionWindow = 16u << 20;  // our connection-level receive window
  std::uint32_t headerLimit = 64 * 1024;       // response header list size (RFC 7541 sizes)
  // A unary call's non-2xx body is cut after this many bytes: the stream is reset (CANCEL) and
  // the call complete, with H2Stream::errorBodyCut() set.
  std::uint64_t errorBodyLimit = 64 * 1024;
};

// What a worker's HTTP/2 connections read into: each read is handed to nghttp2 at once, on the
// worker's thread, so one buffer serves them all and no connection holds one of its own.
struct H2ReadBuffer {
  std::array<char, 16 * 1024> bytes;  // a TLS record's plaintext at most
};

// One request on an H2Connection, from submit to the end of its response. Not movable: the
// connection holds its address while the stream is open.
class H2Stream {
 public:
  using Clock = std::chrono::steady_clock;

  explicit H2Stream(const boost::asio::any_io_executor& executor);
  ~H2Stream();  // a stream still open is reset (RST_STREAM CANCEL)
  H2Stream(const H2Stream&) = delete;
  H2Stream& operator=(const H2Stream&) = delete;

  bool headReceived() const { return headDone_; }
  bool complete() const { return ended_ && !failure_; }  // END_STREAM: every body byte is in
  // A unary call's error body was cut at H2Settings::errorBodyLimit (complete() all the same).
  bool errorBodyCut() const { return errorBodyCut_; }
  bool failed() const { return failure_.has_value(); }
  const core::Error& failure() const { return *failure_; }
  // The peer did not process the request (REFUSED_STREAM, a stream above a GOAWAY's last stream
  // id, or a request that never left): sending it again is safe.
  bool notProcessed() const { return notProcessed_; }
  // ... because its connection was going away (above the GOAWAY's last stream, or not sent after
  // it): the next connection may well take it, whatever this one did.
  bool goneAway() const { return goneAway_; }

  unsigned status() const { return status_; }
  std::vector<core::Header>& headers() { return headers_; }
  // A unary call's body, whole once complete().
  std::string& body() { return body_; }

  // Streaming: the next piece of body as it came (a DATA frame, or the part of one a read
  // brought), copied into `out`; false when none is waiting. Pieces are not merged, so a reader
  // sees an upstream's events as it sent them, as over HTTP/1.1 (where a chunk is a piece).
  bool takePiece(std::string& out);
  bool hasPiece() const { return piecesTaken_ != pieces_.size(); }
  // Gives back the storage of pieces taken, for a stream about to wait.
  void releaseBody();

  // Until something happens to the stream, or `until`; callers check what they wait for again.
  boost::asio::awaitable<void> waitUntil(Clock::time_point until) {
    return wakeup_.waitUntil(until);
  }

  // The reader is done with `bytes` it took (takePiece): the peer may send that much more.
  void consumed(std::size_t bytes);

  // Resets the stream (RST_STREAM CANCEL) if still open, ends it with `reason`, wakes a waiter.
  void cancel(core::Error reason);

  // The caller's request body is about to go away while nghttp2 may still be sending it: keep a
  // copy of what is left.
  void keepRequestBody();

 private:
  friend class H2Connection;
  void fail(core::Error error, bool notProcessed);

  std::shared_ptr<H2Connection> connection_;  // kept alive while this stream may reach it
  bool attached_ = false;                     // nghttp2 has the stream open and reports to us
  std::int32_t id_ = -1;
  bool wholeMessage_ = false;  // a unary call: the body is gathered whole (window consumed at once)
  std::uint64_t bodyLimit_ = 0;
  unsigned status_ = 0;
  std::vector<core::Header> headers_;
  std::size_t headerBytes_ = 0;
  std::string body_;
  std::vector<std::uint32_t> pieces_;  // streaming: sizes of the pieces in body_, in order
  std::size_t piecesTaken_ = 0;
  std::size_t bodyTaken_ = 0;  // bytes of body_ handed out already
  bool headDone_ = false;
  bool ended_ = false;
  bool errorBodyCut_ = false;
  bool notProcessed_ = false;
  bool goneAway_ = false;
  std::optional<core::Error> failure_;
  std::string_view requestBody_;  // what the DATA frames carry; the caller's until keepRequestBody
  std::size_t requestSent_ = 0;
  std::string ownedBody_;
  Wakeup wakeup_;
};

class H2Connection : public std::enable_shared_from_this<H2Connection> {
 public:
  using Clock = std::chrono::steady_clock;

  // Takes a connection whose TLS handshake chose h2 and queues the connection preface. `peer`
  // ("host:port") names it in error messages; `waiters` are woken whenever room may have come.
  // Throws std::bad_alloc.
  static std::shared_ptr<H2Connection> start(std::unique_ptr<UpstreamConnection> transport,
                                             std::string peer, const H2Settings& settings,
                                             std::shared_ptr<WaitList> waiters,
                                             std::shared_ptr<H2ReadBuffer> readBuffer);
  ~H2Connection();
  H2Connection(const H2Connection&) = delete;
  H2Connection& operator=(const H2Connection&) = delete;

  // Opens `stream` for `request`. The request's body is read while DATA frames go out, so it must
  // stay until the response ends or keepRequestBody(). `wholeMessage`: the body is gathered whole,
  // up to `bodyLimit`. Errors: Internal (headers nghttp2 refused, no room).
  core::Result<void> submit(H2Stream& stream, const core::OutboundRequest& request,
                            std::string_view authority, bool wholeMessage, std::uint64_t bodyLimit);

  bool closed() const { return closed_; }
  bool goingAway() const { return goingAway_ || closed_; }  // takes no new stream, ever
  bool goAwayReceived() const { return goingAway_; }
  // A stream may be opened now: under the peer's SETTINGS_MAX_CONCURRENT_STREAMS, and only one
  // before its SETTINGS came (a fresh connection carries its opener's request at once).
  bool hasRoom() const;
  // The peer has not said yet how many streams it takes: room is likely on its way.
  bool settingsPending() const { return !settingsReceived_ && !goingAway(); }
  std::size_t activeStreams() const { return slots_.size(); }
  Clock::time_point idleSince() const { return idleSince_; }

  // For a connection without streams: reads what the peer sent meanwhile (a GOAWAY, a PING, its
  // close), if anything, and says whether the connection may still take streams. What OpenSSL
  // holds is always read; the socket is peeked at (a syscall) only when `peek`.
  bool usableAfterIdle(bool peek);

  // PING liveness for an idle connection.
  void ping(Clock::time_point now);
  bool pingUnanswered() const { return pingSentAt_.has_value(); }
  Clock::time_point pingSentAt() const { return pingSentAt_.value_or(Clock::time_point{}); }
  Clock::time_point lastPingAt() const { return lastPingAt_; }  // answered or not

  // Closes the socket; streams still open fail with UpstreamReset.
  void close() noexcept;

 private:
  friend class H2Stream;
  struct Slot {
    std::int32_t id = 0;
    H2Stream* stream = nullptr;  // null once abandoned by its owner
    bool sent = false;           // its HEADERS went out
    // Submitted on a connection without other streams, when it had read `reads` times: if it ends
    // with nothing read since, the peer had closed it while it sat idle (as a stale HTTP/1.1
    // keep-alive connection), and the request is safe to send again.
    bool onIdle = false;
    std::uint64_t reads = 0;
  };
  struct Callbacks;

  H2Connection(std::unique_ptr<UpstreamConnection> transport, std::string peer,
               const H2Settings& settings, std::shared_ptr<WaitList> waiters,
               std::shared_ptr<H2ReadBuffer> readBuffer);

  Slot* slotOf(std::int32_t id);
  H2Stream* streamOf(std::int32_t id);
  // Forgets the slot (nghttp2 closed the stream or never opened it) and says who owned it.
  H2Stream* release(std::int32_t id, bool* sent = nullptr);
  void abandon(H2Stream& stream);  // the owner lets go: RST_STREAM CANCEL
  void consume(H2Stream& stream, std::size_t bytes);
  void resetStream(H2Stream& stream, core::Error error);  // we give up on a response
  void cutErrorBody(H2Stream& stream);  // we have enough of an error body: reset, but complete

  // How a drain() stopped.
  enum class Drained { Empty, WantsWrite, Unwanted, Limit, Failed };
  // Reads what is there now, record by record, into nghttp2: until the socket is empty, or (when
  // `onlyWhileWanted`) nothing more is expected, or kRecordsPerWake records were read.
  Drained drain(bool onlyWhileWanted);
  void afterDrain(Drained drained);  // flushes, then waits for more, or stops when idle
  void startReading();
  void waitReadable(bool forWrite);
  void onReadable(const boost::system::error_code& ec);
  void flush();  // writes what nghttp2 has queued, one async_write at a time
  void onWritten(const boost::system::error_code& ec);
  bool wantsRead() const;
  void finishIfDone();  // GOAWAY exchanged and nothing left: close quietly
  void shutdown(const core::Error& lost, std::string_view notSentReason);
  void failTransport(const boost::system::error_code& ec);
  void failProtocol(long code);

  core::Error resetError(std::uint32_t code) const;
  core::Error refusedError(std::int32_t id) const;

  std::unique_ptr<UpstreamConnection> transport_;
  std::string peer_;
  H2Settings settings_;
  std::shared_ptr<WaitList> waiters_;
  nghttp2_session* session_ = nullptr;
  std::vector<Slot> slots_;  // streams nghttp2 has not closed, by id (ids only grow)
  std::shared_ptr<H2ReadBuffer> readBuffer_;  // the worker's, shared
  std::string writeBuffer_;
  // nghttp2's request headers: lower-cased names and the values, and the nv array pointing at
  // them; reused by every request on the connection.
  std::string scratch_;
  std::vector<nghttp2_nv> nv_;
  std::uint64_t reads_ = 0;  // reads that brought bytes
  bool reading_ = false;     // a readiness wait (or its posted stand-in) is pending
  bool writing_ = false;     // an async_write of writeBuffer_ is pending
  bool closed_ = false;
  bool settingsReceived_ = false;
  bool goingAway_ = false;
  std::int32_t goAwayLastId_ = 0;
  std::uint32_t goAwayCode_ = 0;
  std::optional<Clock::time_point> pingSentAt_;  // of the PING not answered yet
  Clock::time_point lastPingAt_{};
  Clock::time_point idleSince_;
};

}  // namespace switchyard::net
