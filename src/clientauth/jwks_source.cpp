#include "clientauth/jwks_source.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <iostream>

#include "net/dns_cache.hpp"
#include "net/upstream_client.hpp"

namespace switchyard::clientauth {

namespace asio = boost::asio;

namespace {

std::int64_t steadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One JSON log line on stderr, as the gateway's other warnings; `message` holds no secret.
void logLine(std::string_view level, const std::string& uri, const std::string& message) {
  std::string line = "{\"level\":\"";
  line += level;
  line += "\",\"msg\":\"remote JWKS ";
  for (const char c : uri + ": " + message) {
    if (c == '"' || c == '\\') line += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) line += c;
  }
  line += "\"}\n";
  std::cerr << line;
}

}  // namespace

JwksSource::JwksSource(config::RemoteJwks remote, asio::any_io_executor fetchExecutor,
                       std::shared_ptr<net::DnsCache> dns, JwksSourceOptions options)
    : remote_(std::move(remote)),
      executor_(std::move(fetchExecutor)),
      dns_(dns ? std::move(dns) : std::make_shared<net::DnsCache>()),
      options_(options) {}

JwksSource::~JwksSource() {
  // The client's connections belong to the fetch thread; let them be closed there.
  if (client_)
    asio::post(executor_, [client = std::shared_ptr<net::UpstreamClient>(std::move(client_))] {});
}

void JwksSource::start() {
  asio::co_spawn(executor_, refreshLoop(weak_from_this(), std::chrono::milliseconds(0)),
                 asio::detached);
}

asio::awaitable<void> JwksSource::refreshLoop(std::weak_ptr<JwksSource> weak,
                                              std::chrono::milliseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    if (delay.count() > 0) {
      timer.expires_after(delay);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
    }
    auto self = weak.lock();
    if (!self) co_return;  // the configuration no longer uses this JWKS
    co_await self->fetch();
    delay = self->lastFetchOk_ ? self->options_.refreshInterval : self->options_.retryInterval;
  }
}

asio::awaitable<void> JwksSource::fetch() {
  auto self = shared_from_this();
  if (fetching_) {  // join the fetch in flight
    auto done = fetchDone_;
    boost::system::error_code ec;
    co_await done->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    co_return;
  }
  fetching_ = true;
  auto done =
      std::make_shared<asio::steady_timer>(executor_, asio::steady_timer::time_point::max());
  fetchDone_ = done;
  lastFetchOk_ = co_await fetchOnce();
  fetching_ = false;
  done->cancel();  // wakes the waiters
}

asio::awaitable<bool> JwksSource::fetchOnce() {
  if (!client_) client_ = std::make_unique<net::UpstreamClient>(executor_, dns_);
  net::UpstreamTarget target;
  target.host = remote_.host;
  target.port = remote_.port;
  target.tls = net::TlsSettings{remote_.serverName, remote_.caPem};
  core::OutboundRequest request;
  request.method = "GET";
  request.target = remote_.target;
  request.headers.push_back({"accept", "application/json"});
  fetches_.fetch_add(1, std::memory_order_relaxed);
  auto response = co_await client_->send(target, request, options_.fetchTimeout);
  std::string problem;
  if (store(response, problem)) co_return true;
  failures_.fetch_add(1, std::memory_order_relaxed);
  const bool haveKeys = keys() != nullptr;
  problem += haveKeys ? "; the keys fetched before stay in use" : "; no keys yet";
  logLine("warn", remote_.uri, problem);
  co_return false;
}

bool JwksSource::store(const core::Result<core::InboundResponse>& response, std::string& problem) {
  if (!response) {
    problem = response.error().message;
    return false;
  }
  if (response->status != 200) {
    problem = "answered HTTP " + std::to_string(response->status);
    return false;
  }
  auto keys = jose::parseJwks(response->body);
  if (!keys) {
    problem = keys.error().message;
    return false;
  }
  std::atomic_store(&keys_, std::make_shared<const jose::KeySet>(std::move(*keys)));
  return true;
}

asio::awaitable<void> JwksSource::refreshForUnknownKid() {
  const auto now = steadyMillis();
  auto last = lastUnknownKidFetch_.load(std::memory_order_relaxed);
  const bool mayFetch = last == 0 || now - last >= options_.unknownKidInterval.count();
  if (!mayFetch || !lastUnknownKidFetch_.compare_exchange_strong(last, now)) {
    co_return;  // another request just asked; its answer decides this one too
  }
  // fetch() holds a reference to this source while it runs; the caller holds one until then.
  co_await asio::co_spawn(executor_, fetch(), asio::use_awaitable);
}

}  // namespace switchyard::clientauth
