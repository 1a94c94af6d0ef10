#include "telemetry/stream_fold.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>

#include "core/json_fields.hpp"

namespace switchyard::telemetry {

using core::arrayField;
using core::objectField;
using core::stringField;

namespace json = boost::json;
using core::arrayField;
using core::objectField;
using core::stringField;

namespace {

// Appends a string delta; only a non-empty one counts (the SDKs keep `content` null otherwise).
bool append(std::optional<std::string>& into, const json::object& delta, std::string_view field) {
  const auto text = stringField(&delta, field);
  if (text.empty()) return false;
  if (!into) into.emplace();
  into->append(text);
  return true;
}

void assignIfSet(std::string& into, std::string_view text) {
  if (!text.empty()) into.assign(text);
}

std::int64_t indexOf(const json::object& object) {
  const auto* index = object.if_contains("index");
  return index ? core::toInt64(*index).value_or(0) : 0;
}

void appendItems(json::array& into, const json::object& logprobs, std::string_view field) {
  if (const auto* items = arrayField(&logprobs, field))
    for (const auto& item : *items) into.push_back(item);
}

json::value textOrNull(const std::optional<std::string>& text) {
  return text ? json::value(*text) : json::value(nullptr);
}

template <class Item>
std::vector<const Item*> byIndex(const std::vector<Item>& items) {
  std::vector<const Item*> sorted;
  sorted.reserve(items.size());
  for (const auto& item : items) sorted.push_back(&item);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Item* a, const Item* b) { return a->index < b->index; });
  return sorted;
}

}  // namespace

bool StreamFold::feedFrames(std::string_view bytes) {
  bool first = false;
  decoder_.feed(bytes, [&](std::string_view data) { first |= feedChunk(data); });
  return first;
}

bool StreamFold::feedChunk(std::string_view data) {
  if (data == "[DONE]") {
    sawDone_ = true;
    return false;
  }
  // The chunk lives in an arena for the time of the fold; what is kept is copied out.
  std::array<unsigned char, 2048> buffer;
  json::monotonic_resource arena(buffer.data(), buffer.size());
  parser_.reset(json::storage_ptr(&arena));
  boost::system::error_code ec;
  parser_.write(data.data(), data.size(), ec);
  bool first = false;
  if (!ec) {
    const json::value chunk = parser_.release();
    first = chunk.is_object() && fold(chunk.get_object());
  }
  parser_.reset();  // lets go of the arena (and of a partial value) before the arena goes
  return first;
}

StreamFold::Choice& StreamFold::choiceAt(std::int64_t index) {
  for (auto& choice : choices_)
    if (choice.index == index) return choice;
  choices_.emplace_back().index = index;
  return choices_.back();
}

bool StreamFold::fold(const json::object& chunk) {
  if (const auto* error = chunk.if_contains("error"); error && !error->is_null()) {
    // Copies name their storage: a plain copy would keep pointing into the chunk's arena.
    error_ = error->is_object() ? json::object(error->get_object(), json::storage_ptr())
                                : json::object({{"message", *error}});
    return false;
  }
  assignIfSet(id_, stringField(&chunk, "id"));
  assignIfSet(model_, stringField(&chunk, "model"));
  assignIfSet(systemFingerprint_, stringField(&chunk, "system_fingerprint"));
  assignIfSet(serviceTier_, stringField(&chunk, "service_tier"));
  if (const auto* created = chunk.if_contains("created")) {
    if (const auto seconds = core::toInt64(*created)) created_ = seconds;
  }
  if (const auto* usage = objectField(&chunk, "usage")) usage_.emplace(*usage, json::storage_ptr());

  bool carried = false;
  if (const auto* choices = arrayField(&chunk, "choices")) {
    for (const auto& item : *choices) {
      if (!item.is_object()) continue;
      const auto& update = item.get_object();
      Choice& choice = choiceAt(indexOf(update));
      if (const auto* delta = objectField(&update, "delta")) carried |= foldDelta(choice, *delta);
      assignIfSet(choice.finishReason, stringField(&update, "finish_reason"));
      if (const auto* logprobs = objectField(&update, "logprobs")) {
        choice.hasLogprobs = true;
        appendItems(choice.logprobContent, *logprobs, "content");
        appendItems(choice.logprobRefusal, *logprobs, "refusal");
      }
    }
  }
  if (!carried || sawContent_) return false;
  sawContent_ = true;
  return true;
}

bool StreamFold::foldDelta(Choice& choice, const json::object& delta) {
  assignIfSet(choice.role, stringField(&delta, "role"));
  bool carried = append(choice.content, delta, "content");
  carried |= append(choice.reasoning, delta, "reasoning_content");
  carried |= append(choice.refusal, delta, "refusal");
  if (const auto* calls = arrayField(&delta, "tool_calls")) {
    for (const auto& item : *calls) {
      if (!item.is_object()) continue;
      const auto& fragment = item.get_object();
      const auto index = indexOf(fragment);
      auto call = std::find_if(choice.toolCalls.begin(), choice.toolCalls.end(),
                               [&](const ToolCall& c) { return c.index == index; });
      if (call == choice.toolCalls.end()) {
        choice.toolCalls.emplace_back().index = index;
        call = std::prev(choice.toolCalls.end());
      }
      assignIfSet(call->id, stringField(&fragment, "id"));
      assignIfSet(call->type, stringField(&fragment, "type"));
      const auto* function = objectField(&fragment, "function");
      assignIfSet(call->name, stringField(function, "name"));
      call->arguments.append(stringField(function, "arguments"));
      carried = true;
    }
  }
  return carried;
}

json::object StreamFold::completion() const {
  json::object out;
  out["id"] = id_;
  out["object"] = "chat.completion";
  out["created"] = created_.value_or(0);
  out["model"] = model_;
  if (!systemFingerprint_.empty()) out["system_fingerprint"] = systemFingerprint_;
  if (!serviceTier_.empty()) out["service_tier"] = serviceTier_;
  json::array choices;
  choices.reserve(choices_.size());
  for (const Choice* choice : byIndex(choices_)) {
    json::object message;
    message["role"] = choice->role.empty() ? std::string_view("assistant") : choice->role;
    message["content"] = textOrNull(choice->content);
    if (choice->reasoning) message["reasoning_content"] = *choice->reasoning;
    message["refusal"] = textOrNull(choice->refusal);
    if (!choice->toolCalls.empty()) {
      json::array calls;
      for (const ToolCall* call : byIndex(choice->toolCalls)) {
        calls.push_back(json::object{
            {"id", call->id},
            {"type", call->type.empty() ? std::string_view("function") : call->type},
            {"function", json::object{{"name", call->name}, {"arguments", call->arguments}}}});
      }
      message["tool_calls"] = std::move(calls);
    }
    json::object entry;
    entry["index"] = choice->index;
    entry["message"] = std::move(message);
    if (choice->hasLogprobs) {
      entry["logprobs"] = json::object{
          {"content", choice->logprobContent.empty() ? json::value(nullptr)
                                                     : json::value(choice->logprobContent)},
          {"refusal", choice->logprobRefusal.empty() ? json::value(nullptr)
                                                     : json::value(choice->logprobRefusal)}};
    } else {
      entry["logprobs"] = nullptr;
    }
    entry["finish_reason"] =
        choice->finishReason.empty() ? json::value(nullptr) : json::value(choice->finishReason);
    choices.push_back(std::move(entry));
  }
  out["choices"] = std::move(choices);
  if (usage_) out["usage"] = *usage_;
  return out;
}

}  // namespace switchyard::telemetry
