#pragma once
// Incremental server-sent-events decoder (WHATWG rules): CR, LF and CRLF all end a line, a blank
// line ends an event, several data lines join with "\n", one space after the colon is dropped,
// comments and unknown fields are ignored. Bytes may arrive split anywhere, including inside a
// CRLF. Each byte is scanned once, so very large events cost linear time. An event's `event:` name
// (the last one given, empty when none) goes with its data to a callback that takes two views.

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

namespace switchyard::core {

class SseDecoder {
 public:
  // Maximum size of one event's data; a larger event is an error (protects memory).
  explicit SseDecoder(std::size_t maxEventBytes = 16u << 20) : maxEventBytes_(maxEventBytes) {}

  // Feeds bytes; calls onEvent(std::string_view data), or onEvent(data, std::string_view name),
  // for every complete event that has data. An event without data is dropped with its name, as
  // WHATWG says. Returns false when an event exceeded the limit (the decoder is then unusable).
  template <class OnEvent>
  bool feed(std::string_view bytes, OnEvent&& onEvent) {
    std::size_t i = 0;
    while (i < bytes.size()) {
      if (skipLf_) {
        skipLf_ = false;
        if (bytes[i] == '\n') {
          ++i;
          continue;
        }
      }
      // Find the end of the current line in the new bytes.
      std::size_t end = i;
      while (end < bytes.size() && bytes[end] != '\n' && bytes[end] != '\r') ++end;
      line_.append(bytes.data() + i, end - i);
      if (line_.size() > maxEventBytes_) return false;
      if (end == bytes.size()) break;  // line continues in the next piece
      skipLf_ = bytes[end] == '\r';
      i = end + 1;
      if (!takeLine(onEvent)) return false;
    }
    if (line_.empty() && !hasData_) {  // between events: a waiting stream holds no storage
      std::string().swap(line_);
      std::string().swap(data_);
    }
    return true;
  }

  // True when bytes of an unfinished event are pending (a stream that ends here was cut short).
  bool hasPartialEvent() const { return !line_.empty() || hasData_; }

 private:
  template <class OnEvent>
  bool takeLine(OnEvent& onEvent) {
    if (line_.empty()) {
      if (hasData_) {
        if constexpr (std::is_invocable_v<OnEvent&, std::string_view, std::string_view>)
          onEvent(std::string_view(data_), std::string_view(name_));
        else
          onEvent(std::string_view(data_));
        data_.clear();
        hasData_ = false;
      }
      name_.clear();
      return true;
    }
    std::string_view line(line_);
    if (line.front() != ':') {
      const auto colon = line.find(':');
      const std::string_view field = line.substr(0, colon);
      std::string_view value;
      if (colon != std::string_view::npos) {
        value = line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      }
      if (field == "data") {
        if (hasData_) data_ += '\n';
        data_.append(value);
        hasData_ = true;
        if (data_.size() > maxEventBytes_) return false;
      } else if (field == "event") {
        name_.assign(value);
      }
    }
    line_.clear();
    return true;
  }

  std::size_t maxEventBytes_;
  std::string line_;
  std::string data_;
  std::string name_;  // the pending event's `event:` field
  bool hasData_ = false;
  bool skipLf_ = false;
};

}  // namespace switchyard::core
