#include "net/h2_connection.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

#include "core/ascii.hpp"
#include "net/field_syntax.hpp"
#include "net/upstream_connection.hpp"

namespace switchyard::net {

namespace asio = boost::asio;
using boost::system::error_code;
using core::Error;
using core::ErrorKind;

namespace {

// A write buffer grown past this by an upload is given back once it is written.
constexpr std::size_t kWriteKeep = 16 * 1024;
// Frames gathered into one write; more goes in the next one.
constexpr std::size_t kWriteBatch = 64 * 1024;
// Records read at one wake-up before the connection lets others run.
constexpr int kRecordsPerWake = 16;
// Before the peer's SETTINGS: what nghttp2 itself assumes (RFC 9113 recommends at least 100).
constexpr std::uint32_t kAssumedConcurrentStreams = 100;
// Room for a usual response's fields without the vector growing through 1, 2, 4, 8 (as for
// HTTP/1.1, InboundResponseParser).
constexpr std::size_t kUsualFieldCount = 16;

// Framing and connection-specific headers have no place in HTTP/2 (RFC 9113 §8.2.2); Host is the
// :authority, and Content-Length is written by us.
bool dropFromRequest(std::string_view name, std::string_view value) {
  switch (name.size()) {
    case 2:
      return core::iequalsAscii(name, "te") && !core::iequalsAscii(trimOws(value), "trailers");
    case 4:
      return core::iequalsAscii(name, "host");
    case 7:
      return core::iequalsAscii(name, "upgrade");
    case 10:
      return core::iequalsAscii(name, "connection") || core::iequalsAscii(name, "keep-alive");
    case 14:
      return core::iequalsAscii(name, "content-length");
    case 16:
      return core::iequalsAscii(name, "proxy-connection");
    case 17:
      return core::iequalsAscii(name, "transfer-encoding");
    default:
      return false;
  }
}

// As for HTTP/1.1: a body-less GET, HEAD, DELETE or OPTIONS goes without Content-Length.
bool mayOmitLength(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "DELETE" || method == "OPTIONS";
}

std::string codeName(std::uint32_t code) {
  return nghttp2_http2_strerror(code);  // "INTERNAL_ERROR", ...; "unknown" beyond the RFC's
}

const nghttp2_option* options() {
  static nghttp2_option* const table = [] {
    nghttp2_option* option = nullptr;
    if (nghttp2_option_new(&option) != 0) throw std::bad_alloc();
    nghttp2_option_set_no_auto_window_update(option, 1);  // we say when data was consumed
    nghttp2_option_set_peer_max_concurrent_streams(option, kAssumedConcurrentStreams);
    nghttp2_option_set_no_closed_streams(option, 1);  // no priority tree to keep them for
    return option;
  }();
  return table;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

H2Stream::H2Stream(const asio::any_io_executor& executor) : wakeup_(executor) {}

H2Stream::~H2Stream() {
  if (attached_) connection_->abandon(*this);
}

bool H2Stream::takePiece(std::string& out) {
  if (piecesTaken_ == pieces_.size()) return false;
  const std::size_t size = pieces_[piecesTaken_++];
  out.assign(body_, bodyTaken_, size);
  bodyTaken_ += size;
  if (piecesTaken_ == pieces_.size()) {  // all handed out: start over at the front
    body_.clear();
    pieces_.clear();
    piecesTaken_ = 0;
    bodyTaken_ = 0;
  }
  return true;
}

void H2Stream::releaseBody() {
  if (piecesTaken_ != pieces_.size()) return;
  std::string().swap(body_);
  std::vector<std::uint32_t>().swap(pieces_);
}

void H2Stream::consumed(std::size_t bytes) {
  if (attached_ && bytes != 0) connection_->consume(*this, bytes);
}

void H2Stream::cancel(Error reason) {
  if (attached_) connection_->abandon(*this);
  if (!failure_ && !ended_) failure_ = std::move(reason);
  wakeup_.notify();
}

void H2Stream::keepRequestBody() {
  if (requestSent_ >= requestBody_.size()) return;
  ownedBody_.assign(requestBody_.substr(requestSent_));
  requestBody_ = ownedBody_;
  requestSent_ = 0;
}

void H2Stream::fail(Error error, bool notProcessed) {
  if (!failure_) {
    failure_ = std::move(error);
    notProcessed_ = notProcessed;
  }
  wakeup_.notify();
}

// ---------------------------------------------------------------------------------------------

// nghttp2 calls these from inside nghttp2_session_mem_recv / mem_send, so on the worker's thread,
// never while a waiter runs: waiters are woken through the executor (Wakeup).
struct H2Connection::Callbacks {
  static H2Connection& self(void* user) { return *static_cast<H2Connection*>(user); }

  static int onHeader(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                      std::size_t nameLength, const std::uint8_t* value, std::size_t valueLength,
                      std::uint8_t, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    H2Connection& c = self(user);
    H2Stream* stream = c.streamOf(frame->hd.stream_id);
    if (!stream || stream->headDone_ || stream->failure_) return 0;  // trailers are not kept
    const std::string_view n(reinterpret_cast<const char*>(name), nameLength);
    const std::string_view v(reinterpret_cast<const char*>(value), valueLength);
    if (n == ":status") {
      unsigned status = 0;
      for (char digit : v) status = status * 10 + static_cast<unsigned>(digit - '0');
      stream->status_ = status;  // nghttp2 checked it is three digits
      return 0;
    }
    if (!n.empty() && n.front() == ':') return 0;
    stream->headerBytes_ += n.size() + v.size() + 32;
    if (stream->headerBytes_ > c.settings_.headerLimit) {
      c.resetStream(*stream,
                    Error::make(ErrorKind::UpstreamBadResponse,
                                "malformed response from " + c.peer_ + ": header fields exceed " +
                                    std::to_string(c.settings_.headerLimit) + " bytes"));
      return 0;
    }
    if (stream->headers_.capacity() == 0) stream->headers_.reserve(kUsualFieldCount);
    // A unary call's body is gathered in one piece: room for what Content-Length announces (nghttp2
    // checked it is digits, and holds the DATA to it), up to what the call will keep.
    if (stream->wholeMessage_ && n == "content-length" && v.size() <= 19) {
      std::uint64_t length = 0;
      for (char digit : v) length = length * 10 + static_cast<std::uint64_t>(digit - '0');
      const bool success = stream->status_ >= 200 && stream->status_ <= 299;
      const std::uint64_t keep = success ? stream->bodyLimit_ : c.settings_.errorBodyLimit;
      stream->body_.reserve(static_cast<std::size_t>(std::min(length, keep)));
    }
    stream->headers_.push_back({std::string(n), std::string(v)});
    return 0;
  }

  static int onFrameReceived(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    H2Connection& c = self(user);
    switch (frame->hd.type) {
      case NGHTTP2_HEADERS:
      case NGHTTP2_DATA: {
        H2Stream* stream = c.streamOf(frame->hd.stream_id);
        if (!stream) break;
        if (frame->hd.type == NGHTTP2_HEADERS && !stream->headDone_) {
          if (stream->status_ >= 200) {
            stream->headDone_ = true;
            stream->wakeup_.notify();
          } else {  // 1xx: an interim answer, the real head follows
            stream->status_ = 0;
            stream->headers_.clear();
            stream->headerBytes_ = 0;
          }
        }
        if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) {
          stream->ended_ = true;
          stream->wakeup_.notify();
        }
        break;
      }
      case NGHTTP2_SETTINGS:
        if (!(frame->hd.flags & NGHTTP2_FLAG_ACK) && !c.settingsReceived_) {
          c.settingsReceived_ = true;
          c.waiters_->notifyAll();
        }
        break;
      case NGHTTP2_GOAWAY:
        // Before nghttp2 closes the streams above last_stream_id (REFUSED_STREAM, onStreamClose).
        c.goingAway_ = true;
        c.goAwayLastId_ = frame->goaway.last_stream_id;
        c.goAwayCode_ = frame->goaway.error_code;
        c.waiters_->notifyAll();
        break;
      case NGHTTP2_PING:
        if (frame->hd.flags & NGHTTP2_FLAG_ACK) c.pingSentAt_.reset();
        break;
      default:
        break;
    }
    return 0;
  }

  static int onDataChunk(nghttp2_session* session, std::uint8_t, std::int32_t id,
                         const std::uint8_t* data, std::size_t length, void* user) {
    H2Connection& c = self(user);
    // The connection window goes back at once, whoever the data is for.
    nghttp2_session_consume_connection(session, length);
    H2Stream* stream = c.streamOf(id);
    if (!stream || stream->failure_) return 0;
    if (stream->wholeMessage_) {
      const bool success = stream->status_ >= 200 && stream->status_ <= 299;
      if (!success && stream->body_.size() + length > c.settings_.errorBodyLimit) {
        const auto room = static_cast<std::size_t>(
            c.settings_.errorBodyLimit -
            std::min<std::uint64_t>(stream->body_.size(), c.settings_.errorBodyLimit));
        stream->body_.append(reinterpret_cast<const char*>(data), room);
        nghttp2_session_consume_stream(session, id, length);
        c.cutErrorBody(*stream);
        return 0;
      }
      if (stream->body_.size() + length > stream->bodyLimit_) {
        c.resetStream(*stream, Error::make(ErrorKind::UpstreamBadResponse,
                                           "response from " + c.peer_ + " exceeds " +
                                               std::to_string(stream->bodyLimit_) + " bytes"));
        return 0;
      }
      nghttp2_session_consume_stream(session, id, length);
    }
    stream->body_.append(reinterpret_cast<const char*>(data), length);
    if (!stream->wholeMessage_) stream->pieces_.push_back(static_cast<std::uint32_t>(length));
    if (!stream->wholeMessage_) stream->wakeup_.notify();
    return 0;
  }

  static int onStreamClose(nghttp2_session*, std::int32_t id, std::uint32_t code, void* user) {
    H2Connection& c = self(user);
    H2Stream* stream = c.release(id);
    if (!stream || stream->failure_) return 0;
    if (stream->ended_) {
      stream->wakeup_.notify();  // complete, whatever came after END_STREAM
    } else if (code == NGHTTP2_REFUSED_STREAM) {
      stream->goneAway_ = c.goingAway_ && id > c.goAwayLastId_;
      stream->fail(c.refusedError(id), /*notProcessed=*/true);
    } else {
      stream->fail(c.resetError(code), /*notProcessed=*/false);
    }
    return 0;
  }

  static int onFrameSent(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    if (Slot* slot = self(user).slotOf(frame->hd.stream_id)) slot->sent = true;
    return 0;
  }

  // A request whose HEADERS never left: a GOAWAY came first, or the stream was reset before.
  static int onFrameNotSent(nghttp2_session*, const nghttp2_frame* frame, int reason, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    H2Connection& c = self(user);
    H2Stream* stream = c.release(frame->hd.stream_id);
    if (!stream) return 0;
    stream->goneAway_ = reason == NGHTTP2_ERR_START_STREAM_NOT_ALLOWED;
    stream->fail(
        Error::make(ErrorKind::UpstreamReset, reason == NGHTTP2_ERR_START_STREAM_NOT_ALLOWED
                                                  ? c.refusedError(frame->hd.stream_id).message
                                                  : "HTTP/2 request to " + c.peer_ +
                                                        " not sent: " + nghttp2_strerror(reason)),
        /*notProcessed=*/true);
    return 0;
  }

  static ssize_t readBody(nghttp2_session*, std::int32_t id, std::uint8_t* out, std::size_t length,
                          std::uint32_t* flags, nghttp2_data_source*, void* user) {
    H2Stream* stream = self(user).streamOf(id);
    if (!stream) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // abandoned: reset it
    const std::string_view rest = stream->requestBody_.substr(stream->requestSent_);
    const std::size_t n = std::min(length, rest.size());
    std::memcpy(out, rest.data(), n);
    stream->requestSent_ += n;
    if (stream->requestSent_ == stream->requestBody_.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  // Built once; an immutable function table shared by every session, like a vtable.
  static const nghttp2_session_callbacks* table() {
    static nghttp2_session_callbacks* const table = [] {
      nghttp2_session_callbacks* t = nullptr;
      if (nghttp2_session_callbacks_new(&t) != 0) throw std::bad_alloc();
      nghttp2_session_callbacks_set_on_header_callback(t, &onHeader);
      nghttp2_session_callbacks_set_on_frame_recv_callback(t, &onFrameReceived);
      nghttp2_session_callbacks_set_on_data_chunk_recv_callback(t, &onDataChunk);
      nghttp2_session_callbacks_set_on_stream_close_callback(t, &onStreamClose);
      nghttp2_session_callbacks_set_on_frame_send_callback(t, &onFrameSent);
      nghttp2_session_callbacks_set_on_frame_not_send_callback(t, &onFrameNotSent);
      return t;
    }();
    return table;
  }
};

// ---------------------------------------------------------------------------------------------

H2Connection::H2Connection(std::unique_ptr<UpstreamConnection> transport, std::string peer,
                           const H2Settings& settings, std::shared_ptr<WaitList> waiters,
                           std::shared_ptr<H2ReadBuffer> readBuffer)
    : transport_(std::move(transport)),
      peer_(std::move(peer)),
      settings_(settings),
      waiters_(std::move(waiters)),
      readBuffer_(std::move(readBuffer)),
      idleSince_(Clock::now()) {
  if (nghttp2_session_client_new2(&session_, Callbacks::table(), this, options()) != 0)
    throw std::bad_alloc();
  // Every read here drains until the socket is empty, and what OpenSSL holds is looked at before
  // any wait (startReading, usableAfterIdle), so OpenSSL may read ahead: one recv for all the
  // records that came, instead of two per record (header, then body).
  if (transport_->isTls()) SSL_set_read_ahead(transport_->tls().native_handle(), 1);
  const nghttp2_settings_entry entries[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings_.streamWindow},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, settings_.headerLimit},
  };
  if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, entries, std::size(entries)) != 0 ||
      nghttp2_session_set_local_window_size(
          session_, NGHTTP2_FLAG_NONE, 0, static_cast<std::int32_t>(settings_.connectionWindow)) !=
          0) {
    nghttp2_session_del(session_);
    throw std::bad_alloc();
  }
}

std::shared_ptr<H2Connection> H2Connection::start(std::unique_ptr<UpstreamConnection> transport,
                                                  std::string peer, const H2Settings& settings,
                                                  std::shared_ptr<WaitList> waiters,
                                                  std::shared_ptr<H2ReadBuffer> readBuffer) {
  std::shared_ptr<H2Connection> connection(new H2Connection(
      std::move(transport), std::move(peer), settings, std::move(waiters), std::move(readBuffer)));
  connection->flush();  // the preface and our SETTINGS go out now, with the first request if any
  return connection;
}

H2Connection::~H2Connection() {
  close();
  nghttp2_session_del(session_);
}

bool H2Connection::hasRoom() const {
  if (goingAway()) return false;
  const std::uint32_t limit =
      settingsReceived_
          ? nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS)
          : 1;
  return slots_.size() < limit;
}

H2Connection::Slot* H2Connection::slotOf(std::int32_t id) {
  auto it = std::lower_bound(slots_.begin(), slots_.end(), id,
                             [](const Slot& slot, std::int32_t key) { return slot.id < key; });
  return it != slots_.end() && it->id == id ? &*it : nullptr;
}

H2Stream* H2Connection::streamOf(std::int32_t id) {
  Slot* slot = slotOf(id);
  return slot ? slot->stream : nullptr;
}

H2Stream* H2Connection::release(std::int32_t id, bool* sent) {
  Slot* slot = slotOf(id);
  if (!slot) return nullptr;
  H2Stream* stream = slot->stream;
  if (sent) *sent = slot->sent;
  slots_.erase(slots_.begin() + (slot - slots_.data()));
  if (slots_.empty()) idleSince_ = Clock::now();
  if (stream) stream->attached_ = false;
  waiters_->notifyAll();  // a slot is free
  return stream;
}

core::Result<void> H2Connection::submit(H2Stream& stream, const core::OutboundRequest& request,
                                        std::string_view authority, bool wholeMessage,
                                        std::uint64_t bodyLimit) {
  if (closed_) {  // it failed between its handshake and this first request
    return Error::make(ErrorKind::UpstreamReset,
                       "connection to " + peer_ + " closed before the request was sent");
  }
  if (!hasRoom()) {
    return Error::make(
        ErrorKind::Internal,
        "upstream client: no room for a stream on the HTTP/2 connection to " + peer_);
  }
  const std::string_view path = request.target.empty() ? std::string_view("/") : request.target;
  std::string length;
  if (!request.body.empty() || !mayOmitLength(request.method))
    length = std::to_string(request.body.size());

  // Names are lower-cased into scratch_ (HTTP/2 allows no upper case); values stay the caller's.
  std::size_t namesSize = 0;
  std::size_t count = 4 + (length.empty() ? 0 : 1);
  for (const auto& header : request.headers) {
    if (dropFromRequest(header.name, header.value)) continue;
    if (header.name.size() > kMaxFieldPart || header.value.size() > kMaxFieldPart)
      return Error::make(ErrorKind::Internal, "upstream client: field too large");
    namesSize += header.name.size();
    ++count;
  }
  scratch_.resize(namesSize);
  nv_.clear();
  nv_.reserve(count);
  auto add = [this](std::string_view name, std::string_view value) {
    nv_.push_back({reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                   reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
                   value.size(), NGHTTP2_NV_FLAG_NONE});
  };
  add(":method", request.method);
  add(":scheme", "https");
  add(":authority", authority);
  add(":path", path);
  char* at = scratch_.data();
  for (const auto& header : request.headers) {
    if (dropFromRequest(header.name, header.value)) continue;
    char* const start = at;
    for (char c : header.name) *at++ = core::asciiLower(c);
    add(std::string_view(start, header.name.size()), trimOws(header.value));
  }
  if (!length.empty()) add("content-length", length);

  nghttp2_data_provider provider{};
  provider.read_callback = &Callbacks::readBody;
  const std::int32_t id =
      nghttp2_submit_request(session_, nullptr, nv_.data(), nv_.size(),
                             request.body.empty() ? nullptr : &provider, nullptr);
  if (id < 0) {
    return Error::make(ErrorKind::Internal,
                       "upstream client: HTTP/2 request to " + peer_ + ": " + nghttp2_strerror(id));
  }
  stream.connection_ = shared_from_this();
  stream.attached_ = true;
  stream.id_ = id;
  stream.wholeMessage_ = wholeMessage;
  stream.bodyLimit_ = bodyLimit;
  stream.requestBody_ = request.body;
  stream.requestSent_ = 0;
  // A connection that never read (just opened) is not a stale one: its end is the request's.
  const bool onIdle = slots_.empty() && reads_ > 0;
  slots_.push_back({id, &stream, false, onIdle, reads_});  // ids only grow: slots_ stays sorted
  startReading();
  flush();
  return {};
}

void H2Connection::abandon(H2Stream& stream) {
  auto keep = shared_from_this();  // flush() below may end other streams and with them the last
                                   // reference to us
  if (Slot* slot = slotOf(stream.id_)) slot->stream = nullptr;
  stream.attached_ = false;
  if (closed_) return;
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream.id_, NGHTTP2_CANCEL);
  flush();
}

void H2Connection::consume(H2Stream& stream, std::size_t bytes) {
  if (closed_) return;
  auto keep = shared_from_this();
  nghttp2_session_consume_stream(session_, stream.id_, bytes);
  flush();
}

void H2Connection::resetStream(H2Stream& stream, Error error) {
  if (Slot* slot = slotOf(stream.id_)) slot->stream = nullptr;
  stream.attached_ = false;
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream.id_, NGHTTP2_CANCEL);
  stream.fail(std::move(error), /*notProcessed=*/false);
  // Called from inside nghttp2: the RST goes out with the next flush, right after.
}

void H2Connection::cutErrorBody(H2Stream& stream) {
  if (Slot* slot = slotOf(stream.id_)) slot->stream = nullptr;
  stream.attached_ = false;
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream.id_, NGHTTP2_CANCEL);
  stream.ended_ = true;
  stream.errorBodyCut_ = true;
  stream.wakeup_.notify();
}

void H2Connection::ping(Clock::time_point now) {
  if (closed_ || pingSentAt_) return;
  auto keep = shared_from_this();
  if (nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr) != 0) return;
  pingSentAt_ = now;
  lastPingAt_ = now;
  startReading();
  flush();
}

void H2Connection::close() noexcept {
  if (closed_) return;
  shutdown(Error::make(ErrorKind::UpstreamReset,
                       "connection to " + peer_ + " closed before a complete response"),
           "connection closed");
}

// ---------------------------------------------------------------------------------------------

bool H2Connection::wantsRead() const {
  return !closed_ && (!slots_.empty() || pingSentAt_) && nghttp2_session_want_read(session_);
}

// Reads wait for readiness, then take every record there is (up to kRecordsPerWake) with one
// try each: no read operation and no completion handler per record, and no try on a socket
// known to be empty.
// The first read after a request goes out is tried from the executor, after what is queued there:
// on a fast path the answer is often in by then, and a try is cheaper than arming a readiness wait
// (an epoll_ctl). Also covers what OpenSSL holds, which the socket's readiness would not announce.
void H2Connection::startReading() {
  if (reading_ || closed_) return;
  reading_ = true;
  asio::post(transport_->socket().get_executor(),
             [self = shared_from_this()] { self->onReadable({}); });
}

void H2Connection::waitReadable(bool forWrite) {
  using Socket = UpstreamConnection::Socket;
  transport_->socket().async_wait(
      forWrite ? Socket::wait_write : Socket::wait_read,
      [self = shared_from_this()](const error_code& ec) { self->onReadable(ec); });
}

H2Connection::Drained H2Connection::drain(bool onlyWhileWanted) {
  for (int records = 0;; ++records) {
    // What OpenSSL already holds is taken in any case: it costs no syscall, and left there it
    // would make the connection look as if its peer had spoken while idle.
    if (onlyWhileWanted && !wantsRead() && !transport_->transportHasPending())
      return Drained::Unwanted;
    if (records == kRecordsPerWake) return Drained::Limit;
    error_code ec;
    bool wantsWrite = false;
    const std::size_t bytes =
        transport_->readSomeNow(asio::buffer(readBuffer_->bytes), ec, wantsWrite);
    if (ec == asio::error::would_block) return wantsWrite ? Drained::WantsWrite : Drained::Empty;
    if (ec) {
      failTransport(ec);
      return Drained::Failed;
    }
    ++reads_;
    const auto* data = reinterpret_cast<const std::uint8_t*>(readBuffer_->bytes.data());
    const ssize_t used = nghttp2_session_mem_recv(session_, data, bytes);
    if (used < 0) {
      failProtocol(used);
      return Drained::Failed;
    }
  }
}

void H2Connection::onReadable(const error_code& ec) {
  reading_ = false;
  if (closed_) return;
  if (ec) return failTransport(ec);
  const Drained drained = drain(/*onlyWhileWanted=*/true);
  if (drained == Drained::Failed) return;
  afterDrain(drained);
}

void H2Connection::afterDrain(Drained drained) {
  flush();
  if (closed_ || reading_) return;
  if (!wantsRead()) return finishIfDone();
  reading_ = true;
  if (drained == Drained::Limit) {  // let the worker's other connections have a turn
    asio::post(transport_->socket().get_executor(),
               [self = shared_from_this()] { self->onReadable({}); });
  } else {
    waitReadable(drained == Drained::WantsWrite);
  }
}

bool H2Connection::usableAfterIdle(bool peek) {
  if (closed_) return false;
  if (reading_ || !(transport_->transportHasPending() || (peek && transport_->unusable())))
    return !goingAway();
  auto keep = shared_from_this();
  const Drained drained = drain(/*onlyWhileWanted=*/false);
  if (drained != Drained::Failed) afterDrain(drained);
  return !goingAway();
}

// Writes what nghttp2 has queued, tried at once; only what the socket does not take waits for an
// async_write (one at a time, on writeBuffer_, which nothing touches meanwhile).
void H2Connection::flush() {
  if (writing_ || closed_) return;
  for (;;) {
    writeBuffer_.clear();
    for (;;) {
      const std::uint8_t* data = nullptr;
      const ssize_t n = nghttp2_session_mem_send(session_, &data);
      if (n < 0) return failProtocol(n);
      if (n == 0) break;
      writeBuffer_.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
      if (writeBuffer_.size() >= kWriteBatch) break;
    }
    if (writeBuffer_.empty()) {
      if (writeBuffer_.capacity() > kWriteKeep) std::string().swap(writeBuffer_);
      return finishIfDone();
    }
    std::size_t written = 0;
    while (written < writeBuffer_.size()) {
      error_code ec;
      bool wantsRead = false;
      written += transport_->writeSomeNow(
          asio::buffer(writeBuffer_.data() + written, writeBuffer_.size() - written), ec,
          wantsRead);
      if (ec == asio::error::would_block) break;
      if (ec) return failTransport(ec);
    }
    if (written < writeBuffer_.size()) {
      writing_ = true;
      auto rest = asio::buffer(writeBuffer_.data() + written, writeBuffer_.size() - written);
      auto done = [self = shared_from_this()](const error_code& ec, std::size_t) {
        self->onWritten(ec);
      };
      if (transport_->isTls()) {
        asio::async_write(transport_->tls(), rest, std::move(done));
      } else {
        asio::async_write(transport_->plain(), rest, std::move(done));  // h2c
      }
      return;
    }
  }
}

void H2Connection::onWritten(const error_code& ec) {
  writing_ = false;
  if (closed_) return;
  if (ec) return failTransport(ec);
  flush();
}

void H2Connection::finishIfDone() {
  if (closed_ || writing_) return;
  if (nghttp2_session_want_read(session_) || nghttp2_session_want_write(session_)) return;
  shutdown(Error::make(ErrorKind::UpstreamReset, "connection to " + peer_ + " closed"),
           "connection closed");
}

void H2Connection::failTransport(const error_code& ec) {
  if (goingAway_ && goAwayCode_ != NGHTTP2_NO_ERROR) {
    return shutdown(Error::make(ErrorKind::UpstreamReset,
                                "HTTP/2 connection to " + peer_ + " ended by GOAWAY (" +
                                    codeName(goAwayCode_) + ") before a complete response"),
                    ec.message());
  }
  shutdown(
      Error::make(ErrorKind::UpstreamReset,
                  "connection to " + peer_ + " closed before a complete response: " + ec.message()),
      ec.message());
}

void H2Connection::failProtocol(long code) {
  shutdown(
      Error::make(ErrorKind::UpstreamBadResponse, "malformed HTTP/2 response from " + peer_ + ": " +
                                                      nghttp2_strerror(static_cast<int>(code))),
      nghttp2_strerror(static_cast<int>(code)));
}

void H2Connection::shutdown(const Error& lost, std::string_view notSentReason) {
  closed_ = true;
  transport_->close();
  std::vector<Slot> slots;
  slots.swap(slots_);
  for (const Slot& slot : slots) {
    if (!slot.stream) continue;
    slot.stream->attached_ = false;
    if (slot.sent && slot.onIdle && slot.reads == reads_ && lost.kind == ErrorKind::UpstreamReset) {
      slot.stream->fail(Error::make(ErrorKind::UpstreamReset,
                                    "connection to " + peer_ +
                                        " closed while idle, before the request was answered: " +
                                        std::string(notSentReason)),
                        /*notProcessed=*/true);
    } else if (slot.sent) {
      slot.stream->fail(lost, /*notProcessed=*/false);
    } else {
      slot.stream->fail(Error::make(ErrorKind::UpstreamReset, "connection to " + peer_ +
                                                                  " lost before the request was "
                                                                  "sent: " +
                                                                  std::string(notSentReason)),
                        /*notProcessed=*/true);
    }
  }
  if (slots.size() != 0) idleSince_ = Clock::now();
  waiters_->notifyAll();
}

Error H2Connection::resetError(std::uint32_t code) const {
  return Error::make(ErrorKind::UpstreamReset, "HTTP/2 stream reset by " + peer_ + " (RST_STREAM " +
                                                   codeName(code) + ") before a complete response");
}

Error H2Connection::refusedError(std::int32_t id) const {
  Error error =
      goingAway_ && id > goAwayLastId_
          ? Error::make(ErrorKind::UpstreamReset,
                        "HTTP/2 connection to " + peer_ + " going away (GOAWAY " +
                            codeName(goAwayCode_) + ", last stream " +
                            std::to_string(goAwayLastId_) + "): request not processed")
          : Error::make(ErrorKind::UpstreamReset, "HTTP/2 stream refused by " + peer_ +
                                                      " (REFUSED_STREAM): request not processed");
  error.refusedStream = true;
  return error;
}

}  // namespace switchyard::net
