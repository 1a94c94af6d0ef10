#include "admin/admin_handler.hpp"

namespace switchyard::admin {

boost::asio::awaitable<void> AdminHandler::handle(http::Request& request,
                                                  const http::RequestContext&,
                                                  http::ResponseWriter& writer) {
  const auto path = http::pathOf({request.target().data(), request.target().size()});
  if (path == "/healthz") {
    co_await writer.send(200, "text/plain", "ok\n");
  } else if (path == "/readyz") {
    const auto reason = views_.notReadyBecause();
    if (reason.empty()) {
      co_await writer.send(200, "text/plain", "ready\n");
    } else {
      co_await writer.send(503, "text/plain", "not ready: " + reason + "\n");
    }
  } else if (path == "/config_dump") {
    co_await writer.send(200, "application/json", views_.configDump());
  } else if (path == "/metrics") {
    co_await writer.send(200, "text/plain; version=0.0.4; charset=utf-8", views_.metrics());
  } else {
    co_await writer.send(404, "text/plain", "not found\n");
  }
}

void AdminHandler::renderProtocolError(unsigned status, std::string_view message, std::string& body,
                                       std::string& contentType) {
  body = std::string(message) + "\n";
  contentType = "text/plain";
}

}  // namespace switchyard::admin
