#include "kube/leader_election.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>

namespace switchyard::kube {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono;

namespace {

std::string stringAt(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::int64_t intAt(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return 0;
}

}  // namespace

std::string defaultIdentity() {
  if (const char* pod = std::getenv("POD_NAME"); pod && *pod) return pod;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || !*host) std::snprintf(host, sizeof host, "host");
  return std::string(host) + "-" + std::to_string(getpid());
}

std::string formatMicroTime(system_clock::time_point t) {
  const auto micros = duration_cast<microseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  long frac = static_cast<long>(micros % 1000000);
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char out[96];  // room for any int the format could be given, so none is cut
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return out;
}

std::optional<system_clock::time_point> parseMicroTime(std::string_view text) {
  std::tm tm{};
  const std::string s(text);
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 19) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::size_t at = 19;
  long micros = 0;
  if (at < s.size() && s[at] == '.') {
    long scale = 100000;
    for (++at; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at) {
      micros += (s[at] - '0') * scale;
      scale /= 10;
    }
  }
  if (at + 1 != s.size() || (s[at] != 'Z' && s[at] != 'z')) return std::nullopt;
  const std::time_t secs = timegm(&tm);
  return system_clock::time_point(seconds(secs)) + microseconds(micros);
}

std::shared_ptr<LeaderElector> LeaderElector::create(asio::any_io_executor executor,
                                                     std::shared_ptr<ApiClient> client,
                                                     LeaderElectionOptions options, Callback onGain,
                                                     Callback onLose) {
  if (options.identity.empty()) options.identity = defaultIdentity();
  return std::shared_ptr<LeaderElector>(new LeaderElector(std::move(executor), std::move(client),
                                                          std::move(options), std::move(onGain),
                                                          std::move(onLose)));
}

LeaderElector::LeaderElector(asio::any_io_executor executor, std::shared_ptr<ApiClient> client,
                             LeaderElectionOptions options, Callback onGain, Callback onLose)
    : executor_(executor),
      client_(std::move(client)),
      options_(std::move(options)),
      onGain_(std::move(onGain)),
      onLose_(std::move(onLose)),
      timer_(executor) {}

std::string LeaderElector::leasePath() const {
  return "/apis/coordination.k8s.io/v1/namespaces/" + options_.ns + "/leases/" + options_.name;
}

system_clock::time_point LeaderElector::now() const {
  return options_.now ? options_.now() : system_clock::now();
}

void LeaderElector::setLeader(bool leader, std::string_view why) {
  // A failure that keeps this replica from leading (RBAC, no coordination API) is logged once per
  // distinct reason, even when it was not leader: otherwise status would silently never be written.
  const bool failure = why.find("failed") != std::string_view::npos ||
                       why.find("answered HTTP") != std::string_view::npos;
  if (!failure) {
    lastFailure_.clear();
  } else if (!leader_.load() && why != lastFailure_) {
    lastFailure_ = std::string(why);
    if (options_.log) {
      options_.log("cannot take the Lease " + options_.ns + "/" + options_.name + ": " +
                   std::string(why));
    }
  }
  if (leader_.exchange(leader) == leader) return;
  if (options_.log) {
    options_.log((leader ? "became the leader (Lease " : "stopped being the leader (Lease ") +
                 options_.ns + "/" + options_.name + ", " + options_.identity +
                 "): " + std::string(why));
  }
  if (leader && onGain_) onGain_();
  if (!leader && onLose_) onLose_();
}

void LeaderElector::start() {
  asio::co_spawn(
      executor_, [self = shared_from_this()] { return self->loop(); }, asio::detached);
}

void LeaderElector::stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.cancel();
  const bool wasLeader = leader_.load();
  setLeader(false, "stopped");
  if (wasLeader) {
    asio::co_spawn(
        executor_, [self = shared_from_this()] { return self->release(); }, asio::detached);
  }
}

asio::awaitable<void> LeaderElector::release() {
  auto current = co_await client_->get(leasePath(), options_.requestTimeout);
  if (!current || current->status != 200) co_return;
  boost::system::error_code ec;
  json::value lease = json::parse(current->body, ec);
  if (ec || !lease.is_object()) co_return;
  auto* spec = lease.as_object().if_contains("spec");
  if (!spec || !spec->is_object() ||
      stringAt(spec->get_object(), "holderIdentity") != options_.identity) {
    co_return;
  }
  spec->as_object()["holderIdentity"] = "";
  co_await client_->send("PUT", leasePath(), json::serialize(lease), {}, options_.requestTimeout);
}

asio::awaitable<void> LeaderElector::loop() {
  std::mt19937 random(std::random_device{}());
  while (!stopped_) {
    co_await step();
    if (stopped_) break;
    const double factor = 1.0 - std::uniform_real_distribution<double>(0, options_.jitter)(random);
    timer_.expires_after(duration_cast<milliseconds>(options_.renewInterval * factor));
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<bool> LeaderElector::step() {
  auto self = shared_from_this();  // alive across the awaits
  const auto timeout = options_.requestTimeout;
  auto current = co_await client_->get(leasePath(), timeout);
  if (stopped_) co_return false;
  if (!current) {
    setLeader(false, "reading the Lease failed: " + current.error().message);
    co_return false;
  }
  const auto at = now();
  const std::string stamp = formatMicroTime(at);
  json::object spec{{"holderIdentity", options_.identity},
                    {"leaseDurationSeconds", options_.leaseDuration.count()},
                    {"acquireTime", stamp},
                    {"renewTime", stamp},
                    {"leaseTransitions", 0}};
  if (current->status == 404) {
    json::object lease{
        {"apiVersion", "coordination.k8s.io/v1"},
        {"kind", "Lease"},
        {"metadata", json::object{{"name", options_.name}, {"namespace", options_.ns}}},
        {"spec", spec}};
    const auto collection = "/apis/coordination.k8s.io/v1/namespaces/" + options_.ns + "/leases";
    auto created = co_await client_->send("POST", collection, json::serialize(lease), {}, timeout);
    if (stopped_) co_return false;
    const bool ok = created && created->status / 100 == 2;
    setLeader(ok, ok ? "created the Lease"
                     : "creating the Lease failed: " +
                           (created ? "HTTP " + std::to_string(created->status)
                                    : created.error().message));
    co_return ok;
  }
  boost::system::error_code ec;
  json::value parsed = current->status == 200 ? json::parse(current->body, ec) : json::value();
  if (current->status != 200 || ec || !parsed.is_object()) {
    setLeader(false, "reading the Lease answered HTTP " + std::to_string(current->status));
    co_return false;
  }
  json::object& lease = parsed.as_object();
  json::object old;
  if (const auto* s = lease.if_contains("spec"); s && s->is_object()) old = s->get_object();
  const std::string holder = stringAt(old, "holderIdentity");
  const bool mine = holder == options_.identity;
  if (!mine && !holder.empty()) {
    const auto renewed = parseMicroTime(stringAt(old, "renewTime"));
    auto duration = seconds(intAt(old, "leaseDurationSeconds"));
    if (duration.count() <= 0) duration = options_.leaseDuration;
    if (renewed && *renewed + duration > at) {
      setLeader(false, "held by " + holder);
      co_return false;
    }
  }
  if (mine) {
    if (const auto acquired = stringAt(old, "acquireTime"); !acquired.empty()) {
      spec["acquireTime"] = acquired;
    }
    spec["leaseTransitions"] = intAt(old, "leaseTransitions");
  } else {
    spec["leaseTransitions"] = intAt(old, "leaseTransitions") + (holder.empty() ? 0 : 1);
  }
  lease["spec"] = spec;
  auto updated = co_await client_->send("PUT", leasePath(), json::serialize(lease), {}, timeout);
  if (stopped_) co_return false;
  const bool ok = updated && updated->status == 200;
  setLeader(
      ok,
      ok ? (mine ? "renewed"
                 : "took over the Lease from " + (holder.empty() ? std::string("nobody") : holder))
         : "updating the Lease failed: " +
               (updated ? "HTTP " + std::to_string(updated->status) : updated.error().message));
  co_return ok;
}

}  // namespace switchyard::kube
