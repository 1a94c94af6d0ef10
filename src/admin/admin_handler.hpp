#pragma once
// The admin listener: /healthz, /readyz, /config_dump (secrets redacted), /metrics. It reads the
// process through AdminViews so that it depends on no other layer.

#include <functional>
#include <string>

#include "http/server.hpp"

namespace switchyard::admin {

struct AdminViews {
  std::function<std::string()> notReadyBecause;  // empty: ready
  std::function<std::string()> configDump;       // JSON, secrets already redacted
  std::function<std::string()> metrics;          // Prometheus text
};

class AdminHandler final : public http::Handler {
 public:
  explicit AdminHandler(const AdminViews& views) : views_(views) {}
  boost::asio::awaitable<void> handle(http::Request& request, const http::RequestContext& context,
                                      http::ResponseWriter& writer) override;
  void renderProtocolError(unsigned status, std::string_view message, std::string& body,
                           std::string& contentType) override;

 private:
  const AdminViews& views_;
};

}  // namespace switchyard::admin
