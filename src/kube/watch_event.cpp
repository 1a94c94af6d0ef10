#include "kube/watch_event.hpp"

#include <boost/json/parse.hpp>

namespace switchyard::kube {

namespace json = boost::json;

namespace {

WatchEvent::Type typeOf(std::string_view name) {
  if (name == "ADDED") return WatchEvent::Type::Added;
  if (name == "MODIFIED") return WatchEvent::Type::Modified;
  if (name == "DELETED") return WatchEvent::Type::Deleted;
  if (name == "BOOKMARK") return WatchEvent::Type::Bookmark;
  if (name == "ERROR") return WatchEvent::Type::Error;
  return WatchEvent::Type::Other;
}

}  // namespace

std::optional<WatchEvent> parseWatchEvent(std::string_view line) {
  boost::system::error_code ec;
  auto value = json::parse(line, ec);
  if (ec || !value.is_object()) return std::nullopt;
  auto& event = value.get_object();
  const auto* type = event.if_contains("type");
  auto* object = event.if_contains("object");
  if (!type || !type->is_string() || !object || !object->is_object()) return std::nullopt;
  WatchEvent decoded;
  decoded.type = typeOf(type->get_string());
  decoded.object = std::move(object->get_object());
  if (decoded.type == WatchEvent::Type::Error) {
    if (const auto* code = decoded.object.if_contains("code"); code && code->is_int64()) {
      decoded.errorCode = code->get_int64();
    }
  }
  return decoded;
}

std::optional<std::pair<ObjectKey, json::object>> normalizeObject(const ServedKind& kind,
                                                                  json::object object) {
  object["apiVersion"] = kind.apiVersion();
  object["kind"] = kind.kind;
  auto* metadata = object.if_contains("metadata");
  if (!metadata || !metadata->is_object()) return std::nullopt;
  auto& meta = metadata->get_object();
  meta.erase("managedFields");
  const auto* name = meta.if_contains("name");
  const auto* ns = meta.if_contains("namespace");
  if (!name || !name->is_string()) return std::nullopt;
  ObjectKey key{kind.kind, ns && ns->is_string() ? std::string(ns->get_string()) : "",
                std::string(name->get_string())};
  return std::make_pair(std::move(key), std::move(object));
}

}  // namespace switchyard::kube
