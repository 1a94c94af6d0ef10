#include "fake_api_server.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <utility>

namespace switchyard::kube::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

auto redirect(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

std::string percentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> parseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto part = query.substr(0, amp);
    const auto eq = part.find('=');
    out[std::string(part.substr(0, eq))] =
        eq == std::string_view::npos ? "" : percentDecode(part.substr(eq + 1));
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  return out;
}

std::string chunk(const std::string& data) {
  char size[20];
  std::snprintf(size, sizeof size, "%zx", data.size());
  return std::string(size) + "\r\n" + data + "\r\n";
}

std::string eventLine(const std::string& type, const json::object& object) {
  return json::serialize(json::object{{"type", type}, {"object", object}}) + "\n";
}

json::object status(int code, const std::string& reason, const std::string& message) {
  return json::object{{"kind", "Status"},   {"apiVersion", "v1"}, {"status", "Failure"},
                      {"message", message}, {"reason", reason},   {"code", code}};
}

json::value FakeApiServerStatus(int code, const std::string& name) {
  return code == 404 ? status(404, "NotFound", "\"" + name + "\" not found")
                     : status(code, "MethodNotAllowed", "the server does not allow this method");
}

}  // namespace

struct FakeApiServer::Watch {
  std::string collection, ns, name;
  std::deque<std::string> lines;
  bool drop = false;
  bool end = false;
  asio::steady_timer wake;
  explicit Watch(asio::io_context& ioc) : wake(ioc) {}
  bool matches(const std::string& c, const std::string& n, const std::string& nm) const {
    return c == collection && (ns.empty() || ns == n) && (name.empty() || name == nm);
  }
};

FakeApiServer::FakeApiServer(const emulator::PemCertificate& serverCert, std::string clientCaPem) {
  tls_.use_certificate_chain(asio::buffer(serverCert.certPem));
  tls_.use_private_key(asio::buffer(serverCert.keyPem), asio::ssl::context::pem);
  if (!clientCaPem.empty()) {
    tls_.add_certificate_authority(asio::buffer(clientCaPem));
    tls_.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
  }
  acceptor_ =
      std::make_unique<tcp::acceptor>(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  port_ = acceptor_->local_endpoint().port();
  asio::co_spawn(ioc_, acceptLoop(), asio::detached);
  thread_ = std::thread([this] { ioc_.run(); });
}

FakeApiServer::~FakeApiServer() {
  ioc_.stop();
  thread_.join();
}

void FakeApiServer::requireToken(std::string token) {
  std::lock_guard lock(mutex_);
  token_ = std::move(token);
}

void FakeApiServer::serveGroup(const std::string& group, const std::vector<std::string>& versions,
                               const std::vector<FakeResource>& resources) {
  std::lock_guard lock(mutex_);
  groups_[group] = {versions, resources};
}

std::string FakeApiServer::put(const std::string& collection, json::object object) {
  std::lock_guard lock(mutex_);
  return store(collection, std::move(object));
}

std::string FakeApiServer::store(const std::string& collection, json::object object) {
  auto& meta = object["metadata"].as_object();
  const std::string ns(meta["namespace"].as_string());
  const std::string name(meta["name"].as_string());
  meta["resourceVersion"] = std::to_string(++rv_);
  auto& objects = collections_[collection];
  const bool existed = objects.contains({ns, name});
  objects[{ns, name}] = Object{ns, name, object};
  history_.push_back(Event{rv_, collection, ns, name, existed ? "MODIFIED" : "ADDED", object});
  notify(history_.back());
  wakeAll();
  return std::to_string(rv_);
}

void FakeApiServer::remove(const std::string& collection, const std::string& ns,
                           const std::string& name) {
  std::lock_guard lock(mutex_);
  auto& objects = collections_[collection];
  const auto it = objects.find({ns, name});
  if (it == objects.end()) return;
  json::object object = it->second.value;
  objects.erase(it);
  object["metadata"].as_object()["resourceVersion"] = std::to_string(++rv_);
  history_.push_back(Event{rv_, collection, ns, name, "DELETED", object});
  notify(history_.back());
  wakeAll();
}

void FakeApiServer::compact() {
  std::lock_guard lock(mutex_);
  compacted_ = rv_;
  history_.clear();
}

void FakeApiServer::answerGoneWithStatus(bool yes) {
  std::lock_guard lock(mutex_);
  goneStatus_ = yes;
}

void FakeApiServer::expireContinueTokens(int count) {
  std::lock_guard lock(mutex_);
  expireContinue_ = count;
}

void FakeApiServer::stopServing(const std::string& group, const std::string& plural) {
  std::lock_guard lock(mutex_);
  if (const auto it = groups_.find(group); it != groups_.end()) {
    std::erase_if(it->second.second, [&](const FakeResource& r) { return r.plural == plural; });
    if (it->second.second.empty()) groups_.erase(it);
  }
  notServed_.emplace_back(group, plural);
  for (const auto& watch : watches_) {
    if (!served(watch->collection)) watch->end = true;
  }
  wakeAll();
}

bool FakeApiServer::served(const std::string& collection) const {
  for (const auto& [group, plural] : notServed_) {
    if (collection.rfind("/apis/" + group + "/", 0) == 0 && collection.ends_with("/" + plural)) {
      return false;
    }
  }
  return true;
}

void FakeApiServer::bookmark() {
  std::lock_guard lock(mutex_);
  const json::object object{{"kind", "Bookmark"},
                            {"metadata", json::object{{"resourceVersion", std::to_string(rv_)}}}};
  for (const auto& watch : watches_) watch->lines.push_back(eventLine("BOOKMARK", object));
  wakeAll();
}

void FakeApiServer::dropWatches() {
  std::lock_guard lock(mutex_);
  for (const auto& watch : watches_) watch->drop = true;
  wakeAll();
}

void FakeApiServer::endWatches() {
  std::lock_guard lock(mutex_);
  for (const auto& watch : watches_) watch->end = true;
  wakeAll();
}

void FakeApiServer::refuseConnections(bool yes) {
  std::lock_guard lock(mutex_);
  refuse_ = yes;
}

void FakeApiServer::conflictNextUpdate() {
  std::lock_guard lock(mutex_);
  conflictNext_ = true;
}

std::optional<json::object> FakeApiServer::object(const std::string& collection,
                                                  const std::string& ns,
                                                  const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto c = collections_.find(collection);
  if (c == collections_.end()) return std::nullopt;
  const auto it = c->second.find({ns, name});
  if (it == c->second.end()) return std::nullopt;
  return it->second.value;
}

std::vector<json::object> FakeApiServer::objects(const std::string& collection) const {
  std::lock_guard lock(mutex_);
  std::vector<json::object> out;
  const auto c = collections_.find(collection);
  if (c == collections_.end()) return out;
  for (const auto& [key, object] : c->second) out.push_back(object.value);
  return out;
}

std::vector<std::string> FakeApiServer::writes() const {
  std::lock_guard lock(mutex_);
  return writes_;
}

namespace {

void mergePatch(json::object& target, const json::object& patch) {
  for (const auto& [key, value] : patch) {
    if (value.is_null()) {
      target.erase(key);
    } else if (value.is_object() && target.contains(key) && target.at(key).is_object()) {
      mergePatch(target.at(key).as_object(), value.get_object());
    } else {
      target[key] = value;
    }
  }
}

}  // namespace

std::pair<unsigned, json::value> FakeApiServer::writeObject(const std::string& method,
                                                            const std::string& collection,
                                                            const std::string& ns,
                                                            const std::string& name, bool status,
                                                            const std::string& body) {
  auto& objects = collections_[collection];
  const auto found = objects.find({ns, name});
  if (method == "GET") {
    if (found == objects.end() || status) return {404, FakeApiServerStatus(404, name)};
    return {200, found->second.value};
  }
  error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) {
    return {400,
            json::value(json::object{{"kind", "Status"}, {"code", 400}, {"reason", "BadRequest"}})};
  }
  json::object object = parsed.as_object();
  if (method == "POST") {
    if (!name.empty() || status) return {405, FakeApiServerStatus(405, "")};
    auto& meta = object["metadata"].as_object();
    meta["namespace"] = ns;
    const std::string objectName(meta["name"].as_string());
    if (objects.contains({ns, objectName})) {
      return {409, json::value(json::object{
                       {"kind", "Status"}, {"code", 409}, {"reason", "AlreadyExists"}})};
    }
    meta["uid"] = "uid-" + objectName;
    meta["generation"] = 1;
    store(collection, object);
    return {201, collections_[collection][{ns, objectName}].value};
  }
  if (found == objects.end()) return {404, FakeApiServerStatus(404, name)};
  json::object current = found->second.value;
  if (method == "PUT" && !status) {
    const auto& meta = object["metadata"].as_object();
    const auto* rv = meta.if_contains("resourceVersion");
    const bool stale = !rv || !rv->is_string() ||
                       rv->get_string() != current["metadata"].as_object()["resourceVersion"];
    if (std::exchange(conflictNext_, false) || stale) {
      return {409,
              json::value(json::object{{"kind", "Status"}, {"code", 409}, {"reason", "Conflict"}})};
    }
    auto& newMeta = object["metadata"].as_object();
    newMeta["namespace"] = ns;
    newMeta["uid"] = current["metadata"].as_object()["uid"];
    store(collection, object);
    return {200, collections_[collection][{ns, name}].value};
  }
  if (method == "PATCH" && status) {
    if (const auto* patch = object.if_contains("status"); patch && patch->is_object()) {
      if (!current.contains("status") || !current["status"].is_object()) {
        current["status"] = json::object{};
      }
      mergePatch(current["status"].as_object(), patch->get_object());
    }
    store(collection, current);
    return {200, collections_[collection][{ns, name}].value};
  }
  return {405, FakeApiServerStatus(405, "")};
}

std::vector<std::string> FakeApiServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::vector<std::string> FakeApiServer::tokensSeen() const {
  std::lock_guard lock(mutex_);
  return tokens_;
}

int FakeApiServer::openWatches() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(watches_.size());
}

std::string FakeApiServer::resourceVersion() const {
  std::lock_guard lock(mutex_);
  return std::to_string(rv_);
}

void FakeApiServer::notify(const Event& event) {
  for (const auto& watch : watches_) {
    if (watch->matches(event.collection, event.ns, event.name)) {
      watch->lines.push_back(eventLine(event.type, event.object));
    }
  }
}

void FakeApiServer::wakeAll() {
  asio::post(ioc_, [this] {
    std::lock_guard lock(mutex_);
    for (const auto& watch : watches_) watch->wake.cancel();
  });
}

asio::awaitable<void> FakeApiServer::acceptLoop() {
  for (;;) {
    error_code ec;
    tcp::socket socket = co_await acceptor_->async_accept(redirect(ec));
    if (ec) co_return;
    {
      std::lock_guard lock(mutex_);
      if (refuse_) continue;  // the socket closes as it goes out of scope
    }
    asio::co_spawn(ioc_, session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> FakeApiServer::session(tcp::socket socket) {
  asio::ssl::stream<tcp::socket> stream(std::move(socket), tls_);
  error_code ec;
  co_await stream.async_handshake(asio::ssl::stream_base::server, redirect(ec));
  if (ec) co_return;
  boost::beast::flat_buffer buffer;
  http::request<http::string_body> request;
  co_await http::async_read(stream, buffer, request, redirect(ec));
  if (ec) co_return;

  const std::string target(request.target());
  const auto question = target.find('?');
  const std::string path = target.substr(0, question);
  const auto query = parseQuery(
      question == std::string::npos ? "" : std::string_view(target).substr(question + 1));

  auto respond = [&](unsigned code, const json::value& body) -> asio::awaitable<void> {
    http::response<http::string_body> response{static_cast<http::status>(code), 11};
    response.set(http::field::content_type, "application/json");
    response.body() = json::serialize(body);
    response.keep_alive(false);
    response.prepare_payload();
    error_code ignored;
    co_await http::async_write(stream, response, redirect(ignored));
  };

  std::shared_ptr<Watch> watch;
  std::vector<std::string> initial;
  bool gone = false;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(target);
    std::string auth(request[http::field::authorization]);
    tokens_.push_back(auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : "");
    if (!token_.empty() && auth != "Bearer " + token_) {
      // fallthrough below, outside the lock
      watch = nullptr;
      initial.push_back("401");
    }
  }
  if (!initial.empty()) {
    co_await respond(401, status(401, "Unauthorized", "Unauthorized"));
    co_return;
  }

  {
    // A named namespaced object (GET, PUT, PATCH …/status) or a POST to a namespaced collection.
    std::vector<std::string> parts;
    for (std::size_t at = 1; at <= path.size();) {
      const auto next = path.find('/', at);
      parts.push_back(path.substr(at, next == std::string::npos ? std::string::npos : next - at));
      if (next == std::string::npos) break;
      at = next + 1;
    }
    const std::size_t prefix = !parts.empty() && parts[0] == "api" ? 2 : 3;
    const std::string method(request.method_string());
    const bool named = parts.size() >= prefix + 4 && parts[prefix] == "namespaces";
    if ((method != "GET" || named) && parts.size() >= prefix + 3 && parts[prefix] == "namespaces") {
      const std::string collection = "/" + parts[0] + "/" + parts[1] +
                                     (prefix == 3 ? "/" + parts[2] : "") + "/" + parts[prefix + 2];
      const std::string name = parts.size() > prefix + 3 ? parts[prefix + 3] : "";
      const bool isStatus = parts.size() > prefix + 4 && parts[prefix + 4] == "status";
      std::pair<unsigned, json::value> answer;
      {
        std::lock_guard lock(mutex_);
        if (method != "GET") writes_.push_back(method + " " + target);
        answer = writeObject(method, collection, parts[prefix + 1], name, isStatus, request.body());
      }
      co_await respond(answer.first, answer.second);
      co_return;
    }
  }

  json::value body;
  unsigned code = 200;
  {
    std::lock_guard lock(mutex_);
    if (path == "/apis") {
      json::array groups;
      for (const auto& [name, served] : groups_) {
        json::array versions;
        for (const auto& v : served.first) {
          versions.push_back(json::object{{"groupVersion", name + "/" + v}, {"version", v}});
        }
        groups.push_back(json::object{
            {"name", name},
            {"versions", versions},
            {"preferredVersion", json::object{{"groupVersion", name + "/" + served.first.front()},
                                              {"version", served.first.front()}}}});
      }
      body = json::object{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
    } else {
      // /apis/G/V, or a collection: /apis/G/V[/namespaces/NS]/PLURAL, /api/v1[/namespaces/NS]/P.
      std::vector<std::string> parts;
      for (std::size_t at = 1; at <= path.size();) {
        const auto next = path.find('/', at);
        parts.push_back(path.substr(at, next == std::string::npos ? std::string::npos : next - at));
        if (next == std::string::npos) break;
        at = next + 1;
      }
      const std::size_t prefix = parts.size() > 0 && parts[0] == "api" ? 2 : 3;
      if (prefix == 3 && parts.size() == 3) {
        const auto it = groups_.find(parts[1]);
        if (it == groups_.end() || std::find(it->second.first.begin(), it->second.first.end(),
                                             parts[2]) == it->second.first.end()) {
          code = 404;
          body = status(404, "NotFound", "the server could not find the requested resource");
        } else {
          json::array resources;
          for (const auto& r : it->second.second) {
            resources.push_back(json::object{{"name", r.plural},
                                             {"kind", r.kind},
                                             {"namespaced", true},
                                             {"verbs", json::array{"get", "list", "watch"}}});
            resources.push_back(json::object{
                {"name", r.plural + "/status"}, {"kind", r.kind}, {"namespaced", true}});
          }
          body = json::object{{"kind", "APIResourceList"},
                              {"groupVersion", parts[1] + "/" + parts[2]},
                              {"resources", resources}};
        }
      } else {
        std::string ns;
        std::string collection;
        std::string byName;  // GET of one object: /.../namespaces/NS/PLURAL/NAME
        if (parts.size() == prefix + 4 && parts[prefix] == "namespaces") {
          ns = parts[prefix + 1];
          collection = "/" + parts[0] + "/" + parts[1] + (prefix == 3 ? "/" + parts[2] : "") + "/" +
                       parts[prefix + 2];
          byName = parts[prefix + 3];
        } else if (parts.size() == prefix + 3 && parts[prefix] == "namespaces") {
          ns = parts[prefix + 1];
          collection = "/" + parts[0] + "/" + parts[1] + (prefix == 3 ? "/" + parts[2] : "") + "/" +
                       parts[prefix + 2];
        } else if (parts.size() == prefix + 1) {
          collection = path;
        }
        std::string name;
        if (const auto it = query.find("fieldSelector"); it != query.end()) {
          if (it->second.rfind("metadata.name=", 0) == 0) name = it->second.substr(14);
        }
        if (collection.empty() || !served(collection)) {
          code = 404;
          body = status(404, "NotFound", "the server could not find the requested resource");
        } else if (!byName.empty()) {
          code = 404;
          body = status(404, "NotFound", "\"" + byName + "\" not found");
          for (const auto& [key, object] : collections_[collection]) {
            if (ns == object.ns && byName == object.name) {
              code = 200;
              body = object.value;
            }
          }
        } else if (query.contains("watch")) {
          const auto rv = query.contains("resourceVersion") ? query.at("resourceVersion") : "";
          const auto from = rv.empty() ? 0 : std::stoull(rv);
          const bool fromNow = rv.empty() || rv == "0";
          if (!fromNow && from < compacted_) {
            gone = true;
            if (goneStatus_) {
              code = 410;
              body = status(410, "Expired", "too old resource version");
            }
          } else {
            watch = std::make_shared<Watch>(ioc_);
            watch->collection = collection;
            watch->ns = ns;
            watch->name = name;
            for (const auto& event : history_) {
              if (event.rv > from && watch->matches(event.collection, event.ns, event.name)) {
                watch->lines.push_back(eventLine(event.type, event.object));
              }
            }
            if (fromNow) {  // the current state first, as ADDED
              watch->lines.clear();
              for (const auto& [key, object] : collections_[collection]) {
                if (watch->matches(collection, object.ns, object.name)) {
                  watch->lines.push_back(eventLine("ADDED", object.value));
                }
              }
            }
            watches_.push_back(watch);
          }
        } else {
          // Paging: the continue token is "SNAPSHOT_RV:OFFSET"; a token from before the last
          // compaction (or one expireContinueTokens() marks) answers 410 Expired, as etcd's does.
          std::uint64_t snapshot = rv_;
          std::size_t offset = 0;
          const auto token = query.find("continue");
          if (token != query.end() && !token->second.empty()) {
            const auto colon = token->second.find(':');
            snapshot = std::stoull(token->second.substr(0, colon));
            offset = std::stoull(token->second.substr(colon + 1));
          }
          const std::size_t limit =
              query.contains("limit") ? std::stoull(query.at("limit")) : std::size_t{0};
          json::array items;
          std::size_t index = 0;
          bool more = false;
          for (const auto& [key, object] : collections_[collection]) {
            if ((ns.empty() || ns == object.ns) && (name.empty() || name == object.name)) {
              if (index++ < offset) continue;
              if (limit > 0 && items.size() == limit) {
                more = true;
                break;
              }
              json::object item = object.value;
              if (collection.rfind("/api/", 0) == 0) {  // core lists carry no kind per item
                item.erase("kind");
                item.erase("apiVersion");
              }
              items.push_back(item);
            }
          }
          json::object metadata{{"resourceVersion", std::to_string(snapshot)}};
          if (more)
            metadata["continue"] =
                std::to_string(snapshot) + ":" + std::to_string(offset + items.size());
          body = json::object{
              {"kind", "List"}, {"apiVersion", "v1"}, {"metadata", metadata}, {"items", items}};
          if (token != query.end() && !token->second.empty() &&
              (snapshot < compacted_ || expireContinue_ > 0)) {
            if (expireContinue_ > 0) --expireContinue_;
            code = 410;
            body = status(410, "Expired",
                          "The provided continue parameter is too old to display a consistent "
                          "list result. You can start a new list without the continue parameter.");
          }
        }
      }
    }
  }
  if (!watch && !(gone && !goneStatus_)) {
    co_await respond(code, body);
    co_return;
  }

  http::response<http::empty_body> head{http::status::ok, 11};
  head.set(http::field::content_type, "application/json");
  head.chunked(true);
  http::response_serializer<http::empty_body> serializer(head);
  co_await http::async_write_header(stream, serializer, redirect(ec));
  if (ec) co_return;
  if (gone) {
    const std::string line = eventLine("ERROR", status(410, "Expired", "too old resource version"));
    co_await asio::async_write(stream, asio::buffer(chunk(line)), redirect(ec));
    co_await asio::async_write(stream, http::make_chunk_last(), redirect(ec));
    co_return;
  }
  for (;;) {
    std::vector<std::string> lines;
    bool drop = false, end = false;
    {
      std::lock_guard lock(mutex_);
      lines.assign(watch->lines.begin(), watch->lines.end());
      watch->lines.clear();
      drop = watch->drop;
      end = watch->end;
    }
    for (const auto& line : lines) {
      co_await asio::async_write(stream, asio::buffer(chunk(line)), redirect(ec));
      if (ec) break;
    }
    if (ec || drop || end) {
      if (end && !ec) co_await asio::async_write(stream, http::make_chunk_last(), redirect(ec));
      std::lock_guard lock(mutex_);
      std::erase(watches_, watch);
      break;
    }
    if (!lines.empty()) continue;
    watch->wake.expires_at(asio::steady_timer::time_point::max());
    co_await watch->wake.async_wait(redirect(ec));
    ec = {};
  }
  error_code ignored;
  stream.lowest_layer().close(ignored);
}

}  // namespace switchyard::kube::testing
