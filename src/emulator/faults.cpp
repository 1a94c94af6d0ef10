#include "emulator/faults.hpp"

#include <boost/json/value.hpp>

#include <charconv>

namespace switchyard::emulator {

namespace json = boost::json;

namespace {

constexpr std::string_view kOpen = "[[emulator:";
constexpr std::string_view kClose = "]]";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<long long> toInteger(std::string_view s) {
  long long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// One key with its value as text (flags have an empty value). Shared by directives and JSON.
boost::system::result<void, FaultSyntaxError> apply(Fault& fault, std::string_view key,
                                                    std::string_view value, bool hasValue) {
  auto number = [&](long long min,
                    long long max) -> boost::system::result<long long, FaultSyntaxError> {
    auto v = toInteger(value);
    if (!hasValue || !v || *v < min || *v > max) {
      return FaultSyntaxError{"emulator fault: " + std::string(key) + " needs an integer in [" +
                              std::to_string(min) + ", " + std::to_string(max) + "]"};
    }
    return *v;
  };
  auto flag = [&]() -> boost::system::result<bool, FaultSyntaxError> {
    if (!hasValue || value == "true" || value == "1") return true;
    if (value == "false" || value == "0") return false;
    return FaultSyntaxError{"emulator fault: " + std::string(key) +
                            " takes no value or true/false"};
  };
  constexpr long long kMaxMs = 3'600'000;
  if (key == "status") {
    auto v = number(100, 599);
    if (!v) return v.error();
    fault.status = static_cast<unsigned>(*v);
  } else if (key == "retry_after") {
    auto v = number(0, 86'400);
    if (!v) return v.error();
    fault.retryAfterSeconds = static_cast<int>(*v);
  } else if (key == "delay_ms") {
    auto v = number(0, kMaxMs);
    if (!v) return v.error();
    fault.delay = std::chrono::milliseconds(*v);
  } else if (key == "stream_pause_ms") {
    auto v = number(0, kMaxMs);
    if (!v) return v.error();
    fault.streamPause = std::chrono::milliseconds(*v);
  } else if (key == "stream_reset_after") {
    auto v = number(0, 1'000'000);
    if (!v) return v.error();
    fault.streamResetAfter = static_cast<int>(*v);
  } else if (key == "stream_malformed_after") {
    auto v = number(0, 1'000'000);
    if (!v) return v.error();
    fault.streamMalformedAfter = static_cast<int>(*v);
  } else if (key == "stream_error_after") {
    auto v = number(0, 1'000'000);
    if (!v) return v.error();
    fault.streamErrorAfter = static_cast<int>(*v);
  } else if (key == "body_pause_ms") {
    auto v = number(0, kMaxMs);
    if (!v) return v.error();
    fault.bodyPause = std::chrono::milliseconds(*v);
  } else if (key == "endless_body") {
    auto v = flag();
    if (!v) return v.error();
    fault.endlessBody = *v;
  } else if (key == "echo_headers") {
    auto v = flag();
    if (!v) return v.error();
    fault.echoHeaders = *v;
  } else if (key == "google_error") {
    auto v = flag();
    if (!v) return v.error();
    fault.googleError = *v;
  } else if (key == "hang") {
    auto v = flag();
    if (!v) return v.error();
    fault.hang = *v;
  } else if (key == "reset") {
    auto v = flag();
    if (!v) return v.error();
    fault.reset = *v;
  } else if (key == "refuse_stream") {
    auto v = flag();
    if (!v) return v.error();
    fault.refuseStream = *v;
  } else if (key == "chunked_body") {
    auto v = flag();
    if (!v) return v.error();
    fault.chunkedBody = *v;
  } else {
    return FaultSyntaxError{"emulator fault: unknown key '" + std::string(key) + "'"};
  }
  return {};
}

}  // namespace

bool Fault::empty() const {
  return status == 0 && retryAfterSeconds < 0 && delay.count() == 0 && !hang && !reset &&
         !refuseStream && !chunkedBody && streamPause.count() == 0 && streamResetAfter < 0 &&
         streamMalformedAfter < 0 && streamErrorAfter < 0 && !googleError && !endlessBody &&
         bodyPause.count() == 0 && !echoHeaders;
}

void Fault::merge(const Fault& other) {
  if (other.status) status = other.status;
  if (other.retryAfterSeconds >= 0) retryAfterSeconds = other.retryAfterSeconds;
  if (other.delay.count()) delay = other.delay;
  hang = hang || other.hang;
  reset = reset || other.reset;
  refuseStream = refuseStream || other.refuseStream;
  chunkedBody = chunkedBody || other.chunkedBody;
  if (other.streamPause.count()) streamPause = other.streamPause;
  if (other.streamResetAfter >= 0) streamResetAfter = other.streamResetAfter;
  if (other.streamMalformedAfter >= 0) streamMalformedAfter = other.streamMalformedAfter;
  if (other.streamErrorAfter >= 0) streamErrorAfter = other.streamErrorAfter;
  googleError = googleError || other.googleError;
  endlessBody = endlessBody || other.endlessBody;
  if (other.bodyPause.count()) bodyPause = other.bodyPause;
  echoHeaders = echoHeaders || other.echoHeaders;
}

boost::system::result<Fault, FaultSyntaxError> parseFaultDirectives(std::string_view text) {
  Fault fault;
  std::size_t pos = 0;
  while ((pos = text.find(kOpen, pos)) != std::string_view::npos) {
    const std::size_t start = pos + kOpen.size();
    const std::size_t end = text.find(kClose, start);
    if (end == std::string_view::npos) {
      return FaultSyntaxError{"emulator fault: directive not closed with ]]"};
    }
    std::string_view body = text.substr(start, end - start);
    while (!body.empty()) {
      const std::size_t comma = body.find(',');
      const std::string_view item = trim(body.substr(0, comma));
      body = comma == std::string_view::npos ? std::string_view{} : body.substr(comma + 1);
      if (item.empty()) continue;
      const std::size_t eq = item.find('=');
      const std::string_view key = trim(item.substr(0, eq));
      const std::string_view value =
          eq == std::string_view::npos ? std::string_view{} : trim(item.substr(eq + 1));
      if (auto r = apply(fault, key, value, eq != std::string_view::npos); !r) return r.error();
    }
    pos = end + kClose.size();
  }
  return fault;
}

std::string stripFaultDirectives(std::string_view text) {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t open = text.find(kOpen, pos);
    const std::size_t close = open == std::string_view::npos ? open : text.find(kClose, open);
    if (close == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, open - pos));
    while (!out.empty() && out.back() == ' ') out.pop_back();
    pos = close + kClose.size();
  }
  return out;
}

boost::system::result<Fault, FaultSyntaxError> parseFaultJson(const json::value& value) {
  if (!value.is_object()) return FaultSyntaxError{"emulator fault: `fault` must be an object"};
  Fault fault;
  for (const auto& member : value.as_object()) {
    const std::string_view key = member.key();
    const json::value& v = member.value();
    std::string text;
    if (v.is_bool())
      text = v.as_bool() ? "true" : "false";
    else if (v.is_int64())
      text = std::to_string(v.as_int64());
    else if (v.is_uint64())
      text = std::to_string(v.as_uint64());
    else if (v.is_string())
      text = std::string(v.as_string());
    else
      return FaultSyntaxError{"emulator fault: " + std::string(key) +
                              " must be a number or boolean"};
    if (auto r = apply(fault, key, text, true); !r) return r.error();
  }
  return fault;
}

void FaultTable::add(std::string target, Fault fault, int count) {
  if (count == 0) return;
  std::lock_guard lock(mutex_);
  entries_[std::move(target)].push_back(Entry{fault, count < 0 ? -1 : count});
}

void FaultTable::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

std::optional<Fault> FaultTable::take(std::string_view target) {
  std::lock_guard lock(mutex_);
  if (auto own = takeFrom(target)) return own;
  if (target == kTokenEndpoint) return std::nullopt;
  return takeFrom(kAnyModel);
}

std::optional<Fault> FaultTable::takeFrom(std::string_view target) {
  auto it = entries_.find(target);
  if (it == entries_.end() || it->second.empty()) return std::nullopt;
  Entry& entry = it->second.front();
  const Fault fault = entry.fault;
  if (entry.remaining > 0 && --entry.remaining == 0) it->second.pop_front();
  if (it->second.empty()) entries_.erase(it);
  return fault;
}

}  // namespace switchyard::emulator
