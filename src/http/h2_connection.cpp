#include "http/h2_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "core/ascii.hpp"
#include "http/request_checks.hpp"
#include "http/worker.hpp"

namespace switchyard::http {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using asio::use_awaitable;

// Request body a client may still send after an early answer before its stream is reset.
constexpr std::uint64_t kDiscardBeforeReset = 1 << 20;
// Response bytes a stream may hold that nghttp2 has not taken yet (the peer's window is shut, or
// the socket is slow) before write() waits: the back-pressure a slow client puts on its upstream.
constexpr std::size_t kStreamBufferLimit = 64 * 1024;
constexpr std::size_t kOutputBatch = 64 * 1024;  // frames gathered into one socket write
constexpr std::size_t kReadSize = 16 * 1024;
constexpr auto kWriteTimeout = std::chrono::seconds(60);
// Request bodies: what a client may send ahead of the handler, per stream and per connection.
constexpr std::int32_t kStreamWindow = 1 << 20;
constexpr std::int32_t kConnectionWindow = 1 << 24;

// Wakes coroutines of one thread: wait() ends at the next notify(). Waiters recheck their
// condition.
class Signal {
 public:
  explicit Signal(const asio::any_io_executor& executor)
      : timer_(executor, Clock::time_point::max()) {}
  asio::awaitable<void> wait() { co_await timer_.async_wait(asio::as_tuple(use_awaitable)); }
  void notify() { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
};

bool safeHeaderText(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Framing is the server's, and HTTP/2 forbids the connection-specific fields of HTTP/1.1.
bool isConnectionSpecific(std::string_view name) {
  for (std::string_view banned : {"content-length", "transfer-encoding", "connection", "keep-alive",
                                  "proxy-connection", "upgrade", "te"})
    if (core::iequalsAscii(name, banned)) return true;
  return false;
}

bool handlerSets(const HeaderList& headers, std::string_view name) {
  for (const auto& header : headers)
    if (core::iequalsAscii(header.first, name)) return true;
  return false;
}

class Session;

// One stream: the request it carries and the writer of its response.
class H2Stream final : public ResponseWriter, public std::enable_shared_from_this<H2Stream> {
 public:
  H2Stream(Session& session, std::int32_t id, const asio::any_io_executor& executor)
      : session_(session), id_(id), drained_(executor) {}

  asio::awaitable<bool> send(unsigned status, std::string_view contentType, std::string body,
                             HeaderList headers) override;
  asio::awaitable<bool> beginStream(unsigned status, std::string_view contentType,
                                    HeaderList headers, std::string_view firstChunk) override;
  asio::awaitable<bool> write(std::string_view data) override;
  asio::awaitable<bool> endStream(std::string_view lastChunk) override;
  void abort() override;
  void refuse() override;
  bool started() const override { return started_; }
  void setWriteTimeout(std::chrono::milliseconds limit) override { writeTimeout_ = limit; }
  void onClientClose(std::function<void()> callback) override {
    if (clientClosed_) {
      callback();
      return;
    }
    closeCallback_ = std::move(callback);
  }
  bool clientClosed() const override { return clientClosed_; }
  std::uint64_t bytesSent() const override { return bytesSent_; }

  // What nghttp2 reports about the stream.
  void received(const std::uint8_t* data, std::size_t size);
  void sent(const nghttp2_frame& frame);
  void closed();
  void handlerDone() { closeCallback_ = nullptr; }
  // The data provider: copies what the stream holds into a DATA frame.
  ssize_t readData(std::uint8_t* buffer, std::size_t length, std::uint32_t* flags);
  // Answers without the handler (413, 431, 408); the request stops being read.
  void respondError(unsigned status, std::string_view message);

  std::int32_t id() const { return id_; }
  // When the write the handler waits on is due (max: none waits).
  Clock::time_point writeDue() const { return writeDue_; }
  // The client left that write waiting past the write timeout.
  void writeTimedOut() { reset(NGHTTP2_CANCEL); }
  bool waitingForRequest() const { return !requestComplete_ && !answered_; }

  Request request;
  RequestContext context;
  Clock::time_point opened;
  std::uint64_t headerBytes = 0;
  std::size_t headerCount = 0;  // regular fields, not pseudo-headers
  bool headersTooLarge = false;
  bool tooManyHeaders = false;
  bool requestComplete_ = false;
  bool answered_ = false;        // a protocol error was answered: no handler runs
  std::uint64_t discarded_ = 0;  // request body bytes dropped after that answer
  bool resetQueued_ = false;
  bool handlerRunning = false;

 private:
  // Queues the response head; `body` false: the head ends the stream.
  bool submitHead(unsigned status, std::string_view contentType, const HeaderList& headers,
                  bool body, bool stream, std::size_t contentLength);
  void pushData(std::string_view data);
  // Waits until `done()` (nghttp2 took enough of what the stream holds) or the stream ended; a
  // client that leaves it waiting past the write timeout gets the stream reset (checkDeadlines).
  template <class Done>
  asio::awaitable<void> waitForClient(Done done);
  asio::awaitable<void> waitBelow(std::size_t limit) {
    return waitForClient([this, limit] { return held() <= limit; });
  }
  void reset(std::uint32_t code);
  std::size_t held() const { return pending_.size() - offset_; }

  Session& session_;
  std::int32_t id_;
  Signal drained_;  // pending bytes taken by nghttp2, or the stream ended
  std::string pending_;
  std::size_t offset_ = 0;
  // Where each write() (and beginStream's first chunk) ends in pending_: each goes out as a DATA
  // frame of its own, as each is a chunk of its own over HTTP/1.1, so a client reading frame by
  // frame sees the writes as they were made.
  std::vector<std::size_t> writeEnds_;
  std::size_t writesSent_ = 0;
  bool abortWhenSent_ = false;  // abort() came with bytes still held: they go first
  std::function<void()> closeCallback_;
  std::uint64_t bytesSent_ = 0;
  std::chrono::milliseconds writeTimeout_ = kWriteTimeout;
  Clock::time_point writeDue_ = Clock::time_point::max();
  bool started_ = false;
  bool headOnly_ = false;    // a streamed answer to HEAD: the head carries END_STREAM
  bool deferred_ = false;    // the data provider is waiting for bytes
  bool lastQueued_ = false;  // endStream() or send(): the data after pending_ is none
  bool done_ = false;        // the response's last frame went out
  bool closed_ = false;      // nghttp2 closed the stream
  bool failed_ = false;
  bool clientClosed_ = false;
};

// The connection: one nghttp2 server session and the streams it carries.
class Session {
 public:
  Session(Server::Worker& worker, const ServerOptions& options, tcp::socket& socket,
          std::string remote)
      : worker(worker),
        options(options),
        timeouts(options.limits->timeouts()),
        socket(socket),
        remote(std::move(remote)),
        writerWake(socket.get_executor()),
        tasksDone(socket.get_executor()),
        timer(socket.get_executor()) {}
  ~Session() {
    if (session_) nghttp2_session_del(session_);
  }

  bool start();
  // Bytes from the socket; false: the connection is beyond saving.
  bool receive(const std::uint8_t* data, std::size_t size);
  // Frames ready to send, appended to `out`.
  void fillOutput();
  bool finished() const {
    return !nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_);
  }
  // GOAWAY: no new streams, those in flight finish.
  void drain();
  void connectionLost();
  Clock::time_point nextDeadline(Clock::time_point now) const;
  void checkDeadlines(Clock::time_point now);
  void wakeWriter() { writerWake.notify(); }
  // A deadline that may come before the one the timer waits for: the timer recomputes its next.
  void wakeBy(Clock::time_point due) {
    if (due < timer.expiry()) timer.cancel();
  }
  void streamIdle();

  nghttp2_session* nghttp2() { return session_; }

  Server::Worker& worker;
  const ServerOptions& options;
  const ClientTimeouts timeouts;  // as they were when the connection opened
  tcp::socket& socket;
  std::string remote;
  Signal writerWake;
  Signal tasksDone;
  asio::steady_timer timer;
  std::string out;
  int tasks = 0;             // the writer and the timer loop
  std::size_t handlers = 0;  // handler coroutines still running
  bool lost = false;
  bool holdsStop = false;
  Clock::time_point idleSince = Clock::now();
  Clock::time_point writeStarted = Clock::time_point::max();
  std::vector<std::int32_t> resetsAfterResponse;  // answered early; the request's rest is unwanted

 private:
  static int onBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user);
  static int onHeader(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                      std::size_t nameLength, const std::uint8_t* value, std::size_t valueLength,
                      std::uint8_t flags, void* user);
  static int onFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user);
  static int onDataChunk(nghttp2_session*, std::uint8_t flags, std::int32_t streamId,
                         const std::uint8_t* data, std::size_t length, void* user);
  static int onFrameSend(nghttp2_session*, const nghttp2_frame* frame, void* user);
  static int onStreamClose(nghttp2_session*, std::int32_t streamId, std::uint32_t errorCode,
                           void* user);

  void requestDone(H2Stream& stream);
  asio::awaitable<void> runHandler(std::shared_ptr<H2Stream> stream);

  nghttp2_session* session_ = nullptr;
  std::unordered_map<std::int32_t, std::shared_ptr<H2Stream>> streams_;
  std::uint32_t streamsSeen_ = 0;
  bool draining_ = false;
};

ssize_t readDataCallback(nghttp2_session*, std::int32_t, std::uint8_t* buffer, std::size_t length,
                         std::uint32_t* flags, nghttp2_data_source* source, void*) {
  return static_cast<H2Stream*>(source->ptr)->readData(buffer, length, flags);
}

// --- H2Stream

bool H2Stream::submitHead(unsigned status, std::string_view contentType, const HeaderList& headers,
                          bool body, bool stream, std::size_t contentLength) {
  if (closed_ || failed_) return false;
  started_ = true;
  std::array<char, 4> statusText{};
  const auto statusEnd = std::to_chars(statusText.data(), statusText.data() + 3, status).ptr;
  std::array<char, 24> lengthText{};
  const auto lengthEnd =
      std::to_chars(lengthText.data(), lengthText.data() + lengthText.size(), contentLength).ptr;
  // HTTP/2 field names are lower case; the lowered names live in `names` (reserved, so stable).
  std::size_t namesSize = 0;
  for (const auto& header : headers) namesSize += header.first.size();
  std::string names;
  names.reserve(namesSize);
  std::vector<nghttp2_nv> fields;
  fields.reserve(headers.size() + 5);
  auto add = [&fields](std::string_view name, std::string_view value) {
    fields.push_back({reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                      reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
                      value.size(), NGHTTP2_NV_FLAG_NONE});
  };
  add(":status", std::string_view(statusText.data(), statusEnd - statusText.data()));
  if (!handlerSets(headers, "server")) add("server", "switchyard");
  if (!handlerSets(headers, "content-type")) add("content-type", contentType);
  if (stream && !handlerSets(headers, "cache-control")) add("cache-control", "no-cache");
  for (const auto& [name, value] : headers) {
    if (name.empty() || name.front() == ':' || !safeHeaderText(name) || !safeHeaderText(value) ||
        isConnectionSpecific(name))
      continue;
    const std::size_t at = names.size();
    for (char c : name) names.push_back(core::asciiLower(c));
    add(std::string_view(names).substr(at, name.size()), value);
  }
  if (!stream)
    add("content-length", std::string_view(lengthText.data(), lengthEnd - lengthText.data()));
  nghttp2_data_provider provider{};
  provider.source.ptr = this;
  provider.read_callback = readDataCallback;
  const int rv = nghttp2_submit_response(session_.nghttp2(), id_, fields.data(), fields.size(),
                                         body ? &provider : nullptr);
  if (rv != 0) {
    failed_ = true;
    return false;
  }
  session_.wakeWriter();
  return true;
}

void H2Stream::pushData(std::string_view data) {
  if (offset_ == pending_.size()) {
    pending_.clear();
    offset_ = 0;
    writeEnds_.clear();
    writesSent_ = 0;
  }
  pending_.append(data);
  if (!data.empty()) writeEnds_.push_back(pending_.size());
  if (deferred_) {
    deferred_ = false;
    nghttp2_session_resume_data(session_.nghttp2(), id_);
  }
  session_.wakeWriter();
}

template <class Done>
asio::awaitable<void> H2Stream::waitForClient(Done done) {
  if (done() || closed_ || failed_) co_return;
  writeDue_ = Clock::now() + writeTimeout_;
  session_.wakeBy(writeDue_);
  while (!done() && !closed_ && !failed_) co_await drained_.wait();
  writeDue_ = Clock::time_point::max();
}

asio::awaitable<bool> H2Stream::send(unsigned status, std::string_view contentType,
                                     std::string body, HeaderList headers) {
  // A HEAD answer says how long the body would be and sends none (RFC 9110 §9.3.2).
  const bool headOnly = request.method() == boost::beast::http::verb::head;
  const std::size_t length = body.size();
  const bool hasBody = length != 0 && !headOnly;
  if (hasBody) {
    pending_ = std::move(body);
    offset_ = 0;
  }
  lastQueued_ = true;
  if (!submitHead(status, contentType, headers, hasBody, false, length)) co_return false;
  // Done when the last frame went out (or could not): the handler's bytesSent() is then whole.
  co_await waitForClient([this] { return done_; });
  co_return done_;
}

asio::awaitable<bool> H2Stream::beginStream(unsigned status, std::string_view contentType,
                                            HeaderList headers, std::string_view firstChunk) {
  // A HEAD answer is its head alone, ending the stream; the handler's writes are dropped.
  headOnly_ = request.method() == boost::beast::http::verb::head;
  if (headOnly_) {
    lastQueued_ = true;
    co_return submitHead(status, contentType, headers, false, true, 0);
  }
  pending_.assign(firstChunk);
  offset_ = 0;
  writeEnds_.clear();
  writesSent_ = 0;
  if (!firstChunk.empty()) writeEnds_.push_back(pending_.size());
  if (!submitHead(status, contentType, headers, true, true, 0)) co_return false;
  co_await waitBelow(kStreamBufferLimit);
  co_return !closed_ && !failed_;
}

asio::awaitable<bool> H2Stream::write(std::string_view data) {
  if (headOnly_ && started_) co_return !failed_ && !clientClosed_;
  if (closed_ || failed_ || !started_) co_return false;
  if (data.empty()) co_return true;
  pushData(data);
  co_await waitBelow(kStreamBufferLimit);
  co_return !closed_ && !failed_;
}

asio::awaitable<bool> H2Stream::endStream(std::string_view lastChunk) {
  if (headOnly_ && started_) {  // the head ended the stream: done once it went out
    co_await waitForClient([this] { return done_; });
    co_return done_;
  }
  if (closed_ || failed_ || !started_) co_return false;
  lastQueued_ = true;
  pushData(lastChunk);  // its last DATA frame carries END_STREAM
  co_await waitForClient([this] { return done_; });
  co_return done_;
}

void H2Stream::reset(std::uint32_t code) {
  if (closed_ || failed_) return;
  failed_ = true;
  nghttp2_submit_rst_stream(session_.nghttp2(), NGHTTP2_FLAG_NONE, id_, code);
  drained_.notify();
  session_.wakeWriter();
}

// What was written before goes out first, as over HTTP/1.1 where it is on the wire already: an
// RST_STREAM queued now would pass it and be all the client sees. readData() resets the stream
// once the bytes held are taken.
void H2Stream::abort() {
  if (started_ && held() != 0 && !closed_ && !failed_) {
    abortWhenSent_ = true;
    session_.wakeWriter();
    return;
  }
  reset(NGHTTP2_INTERNAL_ERROR);
}
void H2Stream::refuse() { reset(NGHTTP2_REFUSED_STREAM); }

ssize_t H2Stream::readData(std::uint8_t* buffer, std::size_t length, std::uint32_t* flags) {
  if (abortWhenSent_ && held() == 0) {
    failed_ = true;
    drained_.notify();
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // nghttp2 resets it: RST_STREAM INTERNAL_ERROR
  }
  std::size_t n = std::min(held(), length);
  if (writesSent_ < writeEnds_.size()) n = std::min(n, writeEnds_[writesSent_] - offset_);
  if (n != 0) {
    std::memcpy(buffer, pending_.data() + offset_, n);
    offset_ += n;
    if (writesSent_ < writeEnds_.size() && offset_ == writeEnds_[writesSent_]) ++writesSent_;
    drained_.notify();
  }
  if (held() == 0) {
    if (abortWhenSent_) return static_cast<ssize_t>(n);  // the reset comes at the next call
    if (lastQueued_) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
    } else if (n == 0) {
      // Caught up: the stream waits for its handler's next write, for most of a long stream's
      // life, so it holds no storage meanwhile.
      std::string().swap(pending_);
      offset_ = 0;
      std::vector<std::size_t>().swap(writeEnds_);
      writesSent_ = 0;
      deferred_ = true;
      return NGHTTP2_ERR_DEFERRED;
    }
  }
  return static_cast<ssize_t>(n);
}

void H2Stream::received(const std::uint8_t* data, std::size_t size) {
  if (answered_) {
    // Answered early (413...): the rest of the body is dropped. A reset right after the answer
    // races the client's reading of it (curl then reports the stream as failed without the
    // answer), so the stream is reset only once the client keeps sending well past the answer.
    discarded_ += size;
    if (done_ && !requestComplete_ && !resetQueued_ && discarded_ > kDiscardBeforeReset) {
      resetQueued_ = true;
      session_.resetsAfterResponse.push_back(id_);
    }
    return;
  }
  auto& body = request.body();
  if (body.size() + size > session_.options.limits->bodyLimit()) {
    respondError(413, "request body exceeds the limit of " +
                          std::to_string(session_.options.limits->bodyLimit()) + " bytes");
    body.clear();
    body.shrink_to_fit();
    return;
  }
  body.append(reinterpret_cast<const char*>(data), size);
}

void H2Stream::sent(const nghttp2_frame& frame) {
  bytesSent_ += frame.hd.length + 9;  // the frame header is 9 bytes
  if ((frame.hd.type == NGHTTP2_DATA || frame.hd.type == NGHTTP2_HEADERS) &&
      (frame.hd.flags & NGHTTP2_FLAG_END_STREAM)) {
    done_ = true;
    drained_.notify();
  }
}

void H2Stream::closed() {
  if (closed_) return;
  closed_ = true;
  drained_.notify();
  if (done_ || failed_) return;  // answered in full, or reset by us
  clientClosed_ = true;
  // Not from inside nghttp2's callback (the handler's reaction may call into the session), and
  // not once the handler has returned (the callback may point into its frame).
  if (closeCallback_)
    asio::post(session_.socket.get_executor(), [self = shared_from_this()] {
      if (auto callback = std::move(self->closeCallback_)) callback();
    });
}

void H2Stream::respondError(unsigned status, std::string_view message) {
  if (answered_ || started_) return;
  answered_ = true;
  std::string body, contentType;
  if (session_.worker.handler)
    session_.worker.handler->renderProtocolError(status, message, body, contentType);
  pending_ = std::move(body);
  offset_ = 0;
  lastQueued_ = true;
  submitHead(status, contentType, {}, !pending_.empty(), false, pending_.size());
}

// --- Session

bool Session::start() {
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) return false;
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, onBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunk);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, onFrameSend);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose);
  const int rv = nghttp2_session_server_new(&session_, callbacks, this);
  nghttp2_session_callbacks_del(callbacks);
  if (rv != 0) return false;
  const std::array<nghttp2_settings_entry, 3> settings{{
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, options.http2MaxConcurrentStreams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, kStreamWindow},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, options.headerLimit},
  }};
  if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size()) != 0)
    return false;
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, kConnectionWindow);
  return true;
}

bool Session::receive(const std::uint8_t* data, std::size_t size) {
  const auto n = nghttp2_session_mem_recv(session_, data, size);
  wakeWriter();
  return n >= 0;
}

void Session::fillOutput() {
  for (;;) {
    while (out.size() < kOutputBatch) {
      const std::uint8_t* data = nullptr;
      const auto n = nghttp2_session_mem_send(session_, &data);
      if (n < 0) {
        connectionLost();
        return;
      }
      if (n == 0) break;
      out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
    if (resetsAfterResponse.empty() || out.size() >= kOutputBatch) return;
    for (const auto id : resetsAfterResponse)
      nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_NO_ERROR);
    resetsAfterResponse.clear();
  }
}

void Session::drain() {
  if (draining_ || lost) return;
  draining_ = true;
  if (worker.stopping && !holdsStop) {
    holdsStop = true;  // Server::stop waits for the GOAWAY and the streams' last frames
    ++worker.activeRequests;
  }
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                        nullptr, 0);
  wakeWriter();
}

void Session::connectionLost() {
  if (lost) return;
  lost = true;
  boost::system::error_code ignored;
  socket.close(ignored);
  for (auto& [id, stream] : streams_) stream->closed();
  streams_.clear();
  writerWake.notify();
  timer.cancel();
}

void Session::streamIdle() {
  if (streams_.empty() && handlers == 0) idleSince = Clock::now();
}

Clock::time_point Session::nextDeadline(Clock::time_point now) const {
  if (streams_.empty() && handlers == 0 && writeStarted == Clock::time_point::max())
    return idleSince + timeouts.idle;
  // Busy: wake at least once per write timeout to see a write that does not progress.
  auto next = now + kWriteTimeout;
  for (const auto& [id, stream] : streams_) {
    if (stream->waitingForRequest())
      next = std::min(next, stream->opened + timeouts.requestReceived);
    next = std::min(next, stream->writeDue());
  }
  return next;
}

void Session::checkDeadlines(Clock::time_point now) {
  if (writeStarted != Clock::time_point::max() && now - writeStarted >= kWriteTimeout) {
    connectionLost();
    return;
  }
  if (streams_.empty() && handlers == 0 && now >= idleSince + timeouts.idle) {
    drain();
    return;
  }
  for (auto& [id, stream] : streams_) {
    if (stream->waitingForRequest() && now >= stream->opened + timeouts.requestReceived)
      stream->respondError(408, "request not received in time");
    if (now >= stream->writeDue()) stream->writeTimedOut();
  }
}

int Session::onBeginHeaders(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
  auto& self = *static_cast<Session*>(user);
  if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
  const auto id = frame->hd.stream_id;
  auto stream = std::make_shared<H2Stream>(self, id, self.socket.get_executor());
  stream->opened = Clock::now();
  stream->request.version(20);
  stream->context.remoteAddress = self.remote;
  stream->context.requestIndex = ++self.streamsSeen_;
  nghttp2_session_set_stream_user_data(session, id, stream.get());
  // A stream from an idle connection may be due before the idle deadline the timer waits for.
  if (self.streams_.empty() && stream->opened + self.timeouts.requestReceived < self.timer.expiry())
    self.timer.cancel();
  self.streams_.emplace(id, std::move(stream));
  if (self.options.http2GoawayAfterStreams != 0 &&
      self.streamsSeen_ == self.options.http2GoawayAfterStreams && !self.draining_) {
    self.draining_ = true;
    nghttp2_submit_goaway(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_NO_ERROR, nullptr, 0);
  }
  return 0;
}

int Session::onHeader(nghttp2_session* session, const nghttp2_frame* frame,
                      const std::uint8_t* name, std::size_t nameLength, const std::uint8_t* value,
                      std::size_t valueLength, std::uint8_t, void* user) {
  auto& self = *static_cast<Session*>(user);
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  auto* stream =
      static_cast<H2Stream*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
  if (!stream || stream->headersTooLarge || stream->tooManyHeaders) return 0;
  // The size HTTP/2 counts for a header list (RFC 9113 §6.5.2), against the HTTP/1.1 head limit.
  stream->headerBytes += nameLength + valueLength + 32;
  if (stream->headerBytes > self.options.headerLimit) {
    stream->headersTooLarge = true;
    return 0;
  }
  const std::string_view n(reinterpret_cast<const char*>(name), nameLength);
  const std::string_view v(reinterpret_cast<const char*>(value), valueLength);
  auto& request = stream->request;
  if (n == ":method") {
    request.method_string(v);
  } else if (n == ":path") {
    request.target(v);
  } else if (n == ":authority") {
    request.set(boost::beast::http::field::host, v);
  } else if (!n.empty() && n.front() != ':') {
    if (++stream->headerCount > kMaxHeaderCount) {
      stream->tooManyHeaders = true;
      return 0;
    }
    if (n == "host" && request.count(boost::beast::http::field::host)) return 0;
    if (n == "cookie") {
      // A client may split the cookie field (RFC 9113 §8.2.3): joined as HTTP/1.1 carries it.
      if (const auto it = request.find(boost::beast::http::field::cookie); it != request.end()) {
        std::string joined(it->value());
        joined.append("; ").append(v);
        request.set(boost::beast::http::field::cookie, joined);
        return 0;
      }
    }
    request.insert(n, v);
  }
  return 0;
}

int Session::onFrameRecv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
  auto& self = *static_cast<Session*>(user);
  if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
  auto* stream =
      static_cast<H2Stream*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
  if (!stream) return 0;
  stream->context.bytesReceived += frame->hd.length + 9;
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    if (stream->headersTooLarge) {
      stream->respondError(431, "request headers exceed the limit of " +
                                    std::to_string(self.options.headerLimit) + " bytes");
    } else if (stream->tooManyHeaders) {
      stream->respondError(431, "request has more than 100 header fields");
    } else if (const auto length = stream->request.find(boost::beast::http::field::content_length);
               length != stream->request.end()) {
      std::uint64_t declared = 0;
      const auto text = length->value();
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), declared);
      if (ec == std::errc() && declared > self.options.limits->bodyLimit())
        stream->respondError(413, "request body exceeds the limit of " +
                                      std::to_string(self.options.limits->bodyLimit()) + " bytes");
    }
  }
  if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) self.requestDone(*stream);
  return 0;
}

int Session::onDataChunk(nghttp2_session* session, std::uint8_t, std::int32_t streamId,
                         const std::uint8_t* data, std::size_t length, void*) {
  if (auto* stream =
          static_cast<H2Stream*>(nghttp2_session_get_stream_user_data(session, streamId)))
    stream->received(data, length);
  return 0;
}

int Session::onFrameSend(nghttp2_session* session, const nghttp2_frame* frame, void*) {
  if (frame->hd.stream_id == 0) return 0;
  if (auto* stream = static_cast<H2Stream*>(
          nghttp2_session_get_stream_user_data(session, frame->hd.stream_id)))
    stream->sent(*frame);
  return 0;
}

int Session::onStreamClose(nghttp2_session*, std::int32_t streamId, std::uint32_t errorCode,
                           void* user) {
  auto& self = *static_cast<Session*>(user);
  const auto it = self.streams_.find(streamId);
  if (it == self.streams_.end()) return 0;
  it->second->closed();
  self.streams_.erase(it);  // a handler still running keeps its own reference
  self.streamIdle();
  return 0;
}

void Session::requestDone(H2Stream& stream) {
  if (stream.requestComplete_) return;
  stream.requestComplete_ = true;
  if (stream.answered_) return;
  stream.context.received = Clock::now();
  const auto it = streams_.find(stream.id());
  if (it == streams_.end() || !worker.handler) return;
  ++handlers;
  ++worker.activeRequests;
  asio::co_spawn(socket.get_executor(), runHandler(it->second), asio::detached);
}

asio::awaitable<void> Session::runHandler(std::shared_ptr<H2Stream> stream) {
  bool threw = false;
  try {
    co_await worker.handler->handle(stream->request, stream->context, *stream);
  } catch (const std::exception& e) {
    // Last guard: a bug in a handler must not take the process down.
    options.log(handlerThrewLine(e));
    threw = true;
  }
  if (threw && !stream->started()) {
    std::string body, contentType;
    worker.handler->renderProtocolError(500, "internal error", body, contentType);
    co_await stream->send(500, contentType, std::move(body), {});
  } else if (threw || !stream->started()) {
    stream->abort();  // no proper end: the client must see the failure
  }
  stream->handlerDone();
  --worker.activeRequests;
  --handlers;
  streamIdle();
  tasksDone.notify();
}

template <class Stream>
asio::awaitable<void> writeLoop(Stream& stream, Session& session) {
  while (!session.lost) {
    session.fillOutput();
    if (session.lost) break;
    if (session.out.empty()) {
      if (session.finished()) {
        boost::system::error_code ignored;
        session.socket.shutdown(tcp::socket::shutdown_send, ignored);
        break;
      }
      // Nothing held while idle: the output buffer is a connection's largest.
      if (session.out.capacity() > kOutputBatch * 2) session.out.shrink_to_fit();
      co_await session.writerWake.wait();
      continue;
    }
    session.writeStarted = Clock::now();
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(session.out),
                                              asio::as_tuple(asio::deferred));
    session.writeStarted = Clock::time_point::max();
    session.out.clear();
    if (ec) {
      session.connectionLost();
      break;
    }
  }
  --session.tasks;
  session.tasksDone.notify();
}

asio::awaitable<void> timerLoop(Session& session) {
  while (!session.lost) {
    session.timer.expires_at(session.nextDeadline(Clock::now()));
    co_await session.timer.async_wait(asio::as_tuple(use_awaitable));
    if (session.lost) break;
    session.checkDeadlines(Clock::now());
    session.wakeWriter();
  }
  --session.tasks;
  session.tasksDone.notify();
}

}  // namespace

template <class Stream>
asio::awaitable<void> serveHttp2(Stream& stream, tcp::socket& socket, Server::Worker& worker,
                                 const ServerOptions& options, std::string remote) {
  Session session(worker, options, socket, std::move(remote));
  if (!session.start()) co_return;
  auto drainIt = worker.drains.insert(worker.drains.end(), [&session] { session.drain(); });
  session.tasks = 2;
  asio::co_spawn(socket.get_executor(), writeLoop(stream, session), asio::detached);
  asio::co_spawn(socket.get_executor(), timerLoop(session), asio::detached);
  if (worker.stopping) session.drain();

  std::array<std::uint8_t, kReadSize> buffer;
  while (!session.lost) {
    auto [ec, n] =
        co_await stream.async_read_some(asio::buffer(buffer), asio::as_tuple(asio::deferred));
    if (ec || !session.receive(buffer.data(), n)) break;
  }
  worker.drains.erase(drainIt);
  session.connectionLost();
  while (session.tasks > 0 || session.handlers > 0) co_await session.tasksDone.wait();
  if (session.holdsStop) --worker.activeRequests;
}

template asio::awaitable<void> serveHttp2(tcp::socket&, tcp::socket&, Server::Worker&,
                                          const ServerOptions&, std::string);
template asio::awaitable<void> serveHttp2(asio::ssl::stream<tcp::socket>&, tcp::socket&,
                                          Server::Worker&, const ServerOptions&, std::string);

}  // namespace switchyard::http
