#include "gateway/stream_relay.hpp"

#include "core/sse_decoder.hpp"
#include "gateway/error_response.hpp"

namespace switchyard::gateway {

namespace asio = boost::asio;
using core::Error;
using SteadyClock = std::chrono::steady_clock;

StreamRelay::StreamRelay(net::UpstreamStream& stream, providers::StreamTranslator& translator,
                         http::ResponseWriter& writer, RequestInfo& info, RequestTrace* trace,
                         const api::EndpointSpec& endpoint, const route::AttemptSequence& attempts,
                         std::chrono::milliseconds idleLimit, http::HeaderList headHeaders,
                         CuttableRequests* cuttable)
    : stream_(stream),
      translator_(translator),
      writer_(writer),
      info_(info),
      trace_(trace),
      endpoint_(endpoint),
      attempts_(attempts),
      idleLimit_(idleLimit),
      headHeaders_(std::move(headHeaders)),
      cuttable_(cuttable) {}

void StreamRelay::cutForShutdown() {
  cutForShutdown_ = true;
  stream_.cancel();  // the wait for the next upstream piece ends now
}

std::chrono::milliseconds StreamRelay::idleTimeout(SteadyClock::time_point now) const {
  return std::min(idleLimit_,
                  writer_.started() ? attempts_.remaining(now) : attempts_.attemptTime(now));
}

asio::awaitable<StreamRelay::Outcome> StreamRelay::run() {
  // A client that goes away stops the upstream call at once, not at the next event. The hook is
  // removed on every way out, before the stream is gone.
  writer_.onClientClose([this] { stream_.cancel(); });
  struct Unhook {
    http::ResponseWriter& writer;
    ~Unhook() {
      writer.onClientClose([] {});
    }
  } unhook{writer_};
  if (cuttable_) cuttable_->add(*this);  // leaves the set when the relay is destroyed
  // Every way to fail sets error_ first and then awaits fail(): what a co_await's full expression
  // holds (an Error, a Result) would otherwise stay in this frame, which every open stream keeps.
  for (;;) {
    const auto waited = SteadyClock::now();  // after the last piece went out to the client
    auto piece = co_await stream_.next(idleTimeout(waited));
    info_.upstreamWait += SteadyClock::now() - waited;  // metrics: gateway overhead
    if (writer_.clientClosed()) co_return Outcome::ClientLeft;
    if (cutForShutdown_) {  // the cut cancelled the stream: next() ended with an error
      info_.responseFlags = "LR";
      setShutdownError();
      co_return co_await fail();
    }
    if (!piece) {
      error_ = std::move(piece.error());
      co_return co_await fail();
    }
    if (!*piece) break;  // upstream body complete
    std::string_view bytes = **piece;
    if (!writer_.started()) {
      // The first token waits for no other event's translation: the piece is translated event by
      // event until something is there to send, which goes out before the rest is translated.
      while (out_.empty() && !bytes.empty()) {
        const std::size_t cut = core::firstEventEnd(bytes);  // a place to cut, nothing more
        if (!translate(bytes.substr(0, cut))) co_return co_await fail();
        bytes.remove_prefix(cut);
      }
      if (!bytes.empty() && !co_await flush()) co_return Outcome::ClientLeft;
    }
    if (!translate(bytes)) co_return co_await fail();
    // The upstream's end is in already: what this piece gave goes out with the stream's end, in
    // one write, once next() has reported it (at once, without waiting).
    if (stream_.atEnd()) continue;
    // The client went away: the caller drops the stream, which closes the upstream connection.
    if (!co_await flush()) co_return Outcome::ClientLeft;
  }
  const std::size_t held = out_.size();  // frames kept for the end; finish() adds the closing ones
  if (!translate(std::nullopt)) {
    // What the events gave still goes out before the error event, as it would have without the
    // wait for the end.
    out_.resize(held);
    if (!co_await flush()) co_return Outcome::ClientLeft;
    co_return co_await fail();
  }
  co_await flush(/*last=*/true);
  co_return Outcome::Completed;
}

void StreamRelay::setShutdownError() {
  error_ = Error::make(core::ErrorKind::ShuttingDown,
                       "the gateway is shutting down: its drain time ended before this stream did");
}

bool StreamRelay::translate(std::optional<std::string_view> bytes) {
  auto translated = bytes ? translator_.onBytes(*bytes, out_) : translator_.finish(out_);
  if (!translated) error_ = std::move(translated.error());
  return bool(translated);
}

asio::awaitable<StreamRelay::Outcome> StreamRelay::fail() {
  out_.clear();  // nothing of the failing piece goes out
  if (!writer_.started()) co_return Outcome::Failed;
  info_.responseCode = 200;
  info_.errorType = core::kindName(error_.kind);
  if (trace_) trace_->onError(error_);
  const Error shown = clientFacing(error_);
  std::string closing;
  if (!translator_.closeWithError(endpoint_.renderError(shown), closing))
    closing = endpoint_.renderStreamError(shown);
  co_await writer_.endStream(closing);
  co_return Outcome::Failed;
}

asio::awaitable<bool> StreamRelay::flush(bool last) {
  if (out_.empty() && !last) co_return true;
  if (trace_ && !out_.empty()) trace_->onStreamOutput(out_);
  bool ok = false;
  if (!writer_.started()) {
    info_.firstByteAt = SteadyClock::now();  // metrics: time to first token
    http::HeaderList headers = std::move(headHeaders_);
    headers.emplace_back("x-request-id", std::string(info_.requestId));
    ok = co_await writer_.beginStream(200, translator_.contentType(), std::move(headers), out_);
    info_.responseCode = 200;
    if (ok && last) ok = co_await writer_.endStream();
  } else if (last) {
    // The closing frames and the stream's end in one write: one send, one wake-up of the client.
    ok = co_await writer_.endStream(out_);
  } else {
    ok = co_await writer_.write(out_);
  }
  // Let go, not cleared: the stream now waits for the upstream's next event, for most of its
  // life, and each open stream's idle storage is the gateway's memory per stream.
  std::string().swap(out_);
  co_return ok;
}

}  // namespace switchyard::gateway
