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
  errors_.store(errors_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (!outOfResources(ec)) return std::chrono::milliseconds{0};
  ++failuresInRun_;
  if (wait_.count() == 0) {
    wait_ = kFirstWait;
    std::string line =
        R"({"level":"error","msg":"accepting connections failed; backing off until it works again","error":")";
    line += ec.message();  // strerror text: no quotes or backslashes to escape
    line += R"("})";
    log(line);
  } else {
    wait_ = std::min(wait_ * 2, kMaxWait);
  }
  return wait_;
}

void AcceptBackoff::onAccepted(const Log& log) {
  if (wait_.count() == 0) return;
  log(R"({"level":"info","msg":"accepting connections again","failed_accepts":)" +
      std::to_string(failuresInRun_) + "}");
  wait_ = std::chrono::milliseconds{0};
  failuresInRun_ = 0;
}

}  // namespace switchyard::http
