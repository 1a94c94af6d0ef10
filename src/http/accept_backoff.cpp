#include "http/accept_backoff.hpp"

#include <boost/asio/error.hpp>

#include <algorithm>
#include <cerrno>

namespace switchyard::http {

namespace {

// Errors of the process or the system, not of the one connection: accepting again at once fails
// the same way.
bool outOfResources(const boost::system::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return false;
  const int e = ec.value();
  return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

}  // namespace

std::chrono::milliseconds AcceptBackoff::onError(const boost::system::error_code& ec,
                                                 const Log& log) {
  outage_.errors_.fetch_add(1, std::memory_order_relaxed);
  if (!outOfResources(ec)) return std::chrono::milliseconds{0};
  outage_.failuresInOutage_.fetch_add(1, std::memory_order_relaxed);
  if (wait_.count() != 0) {
    wait_ = std::min(wait_ * 2, kMaxWait);
    return wait_;
  }
  wait_ = kFirstWait;
  if (!outage_.ongoing_.exchange(true, std::memory_order_relaxed)) {
    std::string line =
        R"({"level":"error","msg":"accepting connections failed; backing off until it works again","error":")";
    line += ec.message();  // strerror text: no quotes or backslashes to escape
    line += R"("})";
    log(line);
  }
  return wait_;
}

void AcceptBackoff::onAccepted(const Log& log) {
  wait_ = std::chrono::milliseconds{0};
  // One relaxed load per accepted connection while all is well.
  if (!outage_.ongoing_.load(std::memory_order_relaxed)) return;
  if (!outage_.ongoing_.exchange(false, std::memory_order_relaxed)) return;  // another worker's
  log(R"({"level":"info","msg":"accepting connections again","failed_accepts":)" +
      std::to_string(outage_.failuresInOutage_.exchange(0, std::memory_order_relaxed)) + "}");
}

}  // namespace switchyard::http
