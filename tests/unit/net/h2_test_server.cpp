#include "h2_test_server.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>

namespace switchyard::net::testing {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

auto redirect(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

int selectH2(SSL*, const unsigned char** out, unsigned char* outLength, const unsigned char* in,
             unsigned int inLength, void*) {
  static const unsigned char kH2[] = {2, 'h', '2'};
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, outLength, kH2, sizeof kH2, in, inLength) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

// One connection's nghttp2 server session and the script's answers on it.
struct H2TestServer::Session {
  struct Stream {
    H2ServerRequest request;
    H2ServerAction action;
    std::size_t chunk = 0;   // the chunk being sent
    std::size_t offset = 0;  // bytes of it sent
  };

  Session(H2TestServer& s, int index) : server(s), connection(index) {
    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &onBeginHeaders);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, &onHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &onData);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &onFrame);
    nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, &onFrameSent);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &onClose);
    nghttp2_option* option = nullptr;
    nghttp2_option_new(&option);
    if (!server.options_.answerPings) nghttp2_option_set_no_auto_ping_ack(option, 1);
    nghttp2_session_server_new2(&session, callbacks, this, option);
    nghttp2_option_del(option);
    nghttp2_session_callbacks_del(callbacks);
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, server.options_.maxConcurrentStreams}};
    nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, settings, 1);
  }
  ~Session() { nghttp2_session_del(session); }

  static Session& self(void* user) { return *static_cast<Session*>(user); }

  static int onBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    Session& s = self(user);
    Stream& stream = s.streams[frame->hd.stream_id];
    stream.request.connection = s.connection;
    stream.request.streamId = frame->hd.stream_id;
    return 0;
  }

  static int onHeader(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                      std::size_t nameLength, const std::uint8_t* value, std::size_t valueLength,
                      std::uint8_t, void* user) {
    auto it = self(user).streams.find(frame->hd.stream_id);
    if (it == self(user).streams.end()) return 0;
    const std::string n(reinterpret_cast<const char*>(name), nameLength);
    const std::string v(reinterpret_cast<const char*>(value), valueLength);
    if (n == ":method") it->second.request.method = v;
    if (n == ":path") it->second.request.path = v;
    if (n == ":authority") it->second.request.authority = v;
    return 0;
  }

  static int onData(nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data,
                    std::size_t length, void* user) {
    auto it = self(user).streams.find(id);
    if (it != self(user).streams.end())
      it->second.request.body.append(reinterpret_cast<const char*>(data), length);
    return 0;
  }

  static int onFrame(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    Session& s = self(user);
    switch (frame->hd.type) {
      case NGHTTP2_HEADERS:
      case NGHTTP2_DATA:
        if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) s.answer(frame->hd.stream_id);
        break;
      case NGHTTP2_RST_STREAM: {
        std::lock_guard lock(s.server.mutex_);
        s.server.resets_.push_back(frame->rst_stream.error_code);
        break;
      }
      case NGHTTP2_PING:
        if (!(frame->hd.flags & NGHTTP2_FLAG_ACK)) ++s.server.pings_;
        break;
      default:
        break;
    }
    return 0;
  }

  static int onFrameSent(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    Session& s = self(user);
    if (frame->hd.type != NGHTTP2_DATA) return 0;
    auto it = s.streams.find(frame->hd.stream_id);
    if (it == s.streams.end()) return 0;
    const Stream& stream = it->second;
    if (stream.action.goAwayErrorMidBody) s.terminateAfter = frame->hd.stream_id;
    if (stream.action.resetAfterChunks && stream.chunk == stream.action.chunks.size())
      s.resetAfter = frame->hd.stream_id;
    return 0;
  }

  static int onClose(nghttp2_session*, std::int32_t id, std::uint32_t, void* user) {
    self(user).streams.erase(id);
    return 0;
  }

  static ssize_t readBody(nghttp2_session*, std::int32_t id, std::uint8_t* out, std::size_t length,
                          std::uint32_t* flags, nghttp2_data_source*, void* user) {
    auto it = self(user).streams.find(id);
    if (it == self(user).streams.end()) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    Stream& stream = it->second;
    const auto& chunks = stream.action.chunks;
    if (stream.chunk < chunks.size()) {
      const std::string& chunk = chunks[stream.chunk];
      const std::size_t n = std::min(length, chunk.size() - stream.offset);
      std::memcpy(out, chunk.data() + stream.offset, n);
      stream.offset += n;
      if (stream.offset == chunk.size()) {
        ++stream.chunk;
        stream.offset = 0;
      }
      if (n > 0 || stream.chunk < chunks.size()) return static_cast<ssize_t>(n);
    }
    if (stream.action.hangAfterChunks || stream.action.goAwayErrorMidBody ||
        stream.action.resetAfterChunks)
      return NGHTTP2_ERR_DEFERRED;
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return 0;
  }

  void answer(std::int32_t id) {
    auto it = streams.find(id);
    if (it == streams.end()) return;
    if (goAwayLast >= 0 && id > goAwayLast) return;  // not processed: the GOAWAY says so
    Stream& stream = it->second;
    stream.request.index = requestCount++;
    ++server.requests_;
    stream.action = server.script_(stream.request);
    const H2ServerAction& action = stream.action;
    if (action.closeAfter) closeWhenIdle = true;
    if (action.goAwayAfter) {
      nghttp2_submit_goaway(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_NO_ERROR, nullptr, 0);
      goAwayLast = id;
    }
    switch (action.kind) {
      case H2ServerAction::Kind::Refuse:
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_REFUSED_STREAM);
        return;
      case H2ServerAction::Kind::Reset:
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_INTERNAL_ERROR);
        return;
      case H2ServerAction::Kind::Hang:
        return;
      case H2ServerAction::Kind::GoAway:
        goAwayLast = std::max(0, id - 2);
        nghttp2_submit_goaway(session, NGHTTP2_FLAG_NONE, goAwayLast, NGHTTP2_NO_ERROR, nullptr, 0);
        return;
      case H2ServerAction::Kind::Respond:
        break;
    }
    const std::string status = std::to_string(action.status);
    const nghttp2_nv headers[] = {
        {(std::uint8_t*)":status", (std::uint8_t*)status.data(), 7, status.size(),
         NGHTTP2_NV_FLAG_NONE},
        {(std::uint8_t*)"content-type", (std::uint8_t*)"text/plain", 12, 10, NGHTTP2_NV_FLAG_NONE},
        {(std::uint8_t*)"content-length",
         (std::uint8_t*)(action.contentLength ? action.contentLength->data() : ""), 14,
         action.contentLength ? action.contentLength->size() : 0, NGHTTP2_NV_FLAG_NONE},
    };
    nghttp2_data_provider provider{};
    provider.read_callback = &readBody;
    nghttp2_submit_response(session, id, headers, action.contentLength ? 3 : 2, &provider);
  }

  H2TestServer& server;
  int connection;
  nghttp2_session* session = nullptr;
  std::map<std::int32_t, Stream> streams;
  int requestCount = 0;
  std::int32_t goAwayLast = -1;
  std::int32_t terminateAfter = 0;  // a stream whose first DATA went out: GOAWAY with an error
  bool closeWhenIdle = false;
  std::int32_t resetAfter = 0;  // a stream whose last chunk went out: RST_STREAM INTERNAL_ERROR
};

H2TestServer::H2TestServer(H2ServerScript script, const emulator::PemCertificate& certificate,
                           H2ServerOptions options)
    : script_(std::move(script)), options_(options) {
  tls_ = std::make_shared<ssl::context>(ssl::context::tls_server);
  tls_->use_certificate_chain(asio::buffer(certificate.certPem));
  tls_->use_private_key(asio::buffer(certificate.keyPem), ssl::context::pem);
  SSL_CTX_set_alpn_select_cb(tls_->native_handle(), &selectH2, nullptr);
  acceptor_ =
      std::make_unique<tcp::acceptor>(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  port_ = acceptor_->local_endpoint().port();
  asio::co_spawn(ioc_, acceptLoop(), asio::detached);
  thread_ = std::thread([this] { ioc_.run(); });
}

H2TestServer::~H2TestServer() {
  ioc_.stop();
  thread_.join();
}

std::vector<std::uint32_t> H2TestServer::resets() const {
  std::lock_guard lock(mutex_);
  return resets_;
}

H2ServerAction H2TestServer::echo(const H2ServerRequest& request) {
  return H2ServerAction::respond("echo:" + request.method + " " + request.path + " " +
                                 request.body);
}

asio::awaitable<void> H2TestServer::acceptLoop() {
  for (int index = 0;; ++index) {
    error_code ec;
    tcp::socket socket = co_await acceptor_->async_accept(redirect(ec));
    if (ec) co_return;
    ++connections_;
    asio::co_spawn(ioc_, serve(std::move(socket), index), asio::detached);
  }
}

asio::awaitable<void> H2TestServer::serve(tcp::socket socket, int index) {
  ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
  error_code ec;
  co_await stream.async_handshake(ssl::stream_base::server, redirect(ec));
  if (ec) co_return;
  Session session(*this, index);
  std::array<std::uint8_t, 16 * 1024> buffer;
  for (;;) {
    for (;;) {
      const std::uint8_t* data = nullptr;
      const ssize_t n = nghttp2_session_mem_send(session.session, &data);
      if (n <= 0) break;
      co_await asio::async_write(stream, asio::buffer(data, static_cast<std::size_t>(n)),
                                 redirect(ec));
      if (ec) co_return;
      if (session.resetAfter != 0) {
        nghttp2_submit_rst_stream(session.session, NGHTTP2_FLAG_NONE, session.resetAfter,
                                  NGHTTP2_INTERNAL_ERROR);
        session.resetAfter = 0;
      }
      if (session.terminateAfter != 0) {
        nghttp2_session_terminate_session2(session.session, session.terminateAfter,
                                           NGHTTP2_INTERNAL_ERROR);
        session.terminateAfter = 0;
      }
    }
    if (!nghttp2_session_want_read(session.session) && !nghttp2_session_want_write(session.session))
      break;
    if (session.closeWhenIdle && session.streams.empty()) break;  // as an idle timeout does
    const std::size_t n = co_await stream.async_read_some(asio::buffer(buffer), redirect(ec));
    if (ec) break;
    if (nghttp2_session_mem_recv(session.session, buffer.data(), n) < 0) break;
  }
  // A FIN, then whatever the client still sends is read and dropped until it closes too: closing
  // with unread bytes would send a RST, which may destroy the end of a response before the client
  // has read it.
  stream.lowest_layer().shutdown(tcp::socket::shutdown_send, ec);
  while (!ec) co_await stream.next_layer().async_read_some(asio::buffer(buffer), redirect(ec));
  stream.lowest_layer().close(ec);
}

}  // namespace switchyard::net::testing
