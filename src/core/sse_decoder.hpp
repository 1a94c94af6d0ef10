#pragma once
// Incremental server-sent-events decoder (WHATWG rules): CR, LF and CRLF all end a line, a blank
// line ends an event, several data lines join with "\n", one space after the colon is dropped,
// comments and unknown fields are ignored. Bytes may arrive split anywhere, including inside a
// CRLF. Each byte is scanned once, so very large events cost linear time; an event whose data
// line and blank line came in one piece reaches the callback without a copy. An event's `event:`
// name (the last one given, empty when none) goes with its data to a callback that takes two views.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace switchyard::core {

// Where the first event of `bytes` ends (just after the blank line that ends it, whatever the line
// endings), or bytes.size() when no blank line is there. A place to cut a piece so its first event
// can be handled alone: bytes fed in two parts decode as in one.
inline std::size_t firstEventEnd(std::string_view bytes) {
  std::size_t end = bytes.size();
  for (const std::string_view blank : {"\n\n", "\r\n\r\n", "\r\r"})
    if (const auto at = bytes.substr(0, end).find(blank); at != std::string_view::npos)
      end = at + blank.size();
  return end;
}

class SseDecoder {
 public:
  // Maximum size of one event's data; a larger event is an error (protects memory).
  explicit SseDecoder(std::size_t maxEventBytes = 16u << 20) : maxEventBytes_(maxEventBytes) {}

  // Feeds bytes; calls onEvent(std::string_view data), or onEvent(data, std::string_view name),
  // for every complete event that has data. An event without data is dropped with its name, as
  // WHATWG says. Returns false when an event exceeded the limit (the decoder is then unusable).
  template <class OnEvent>
  bool feed(std::string_view bytes, OnEvent&& onEvent) {
    // Where the next '\n' and '\r' at or after `i` are (bytes.size() when none): each is searched
    // again only once `i` has passed it, so a piece is scanned once per character even when its
    // lines end with a lone CR.
    std::size_t lfAt = std::string_view::npos;
    std::size_t crAt = std::string_view::npos;
    auto next = [&bytes](char c, std::size_t& at, std::size_t from) {
      if (at != std::string_view::npos && at >= from) return at;
      const void* found = std::memchr(bytes.data() + from, c, bytes.size() - from);
      at = found ? static_cast<std::size_t>(static_cast<const char*>(found) - bytes.data())
                 : bytes.size();
      return at;
    };
    std::size_t i = 0;
    while (i < bytes.size()) {
      if (skipLf_) {
        skipLf_ = false;
        if (bytes[i] == '\n') {
          ++i;
          continue;
        }
      }
      const std::size_t end = std::min(next('\n', lfAt, i), next('\r', crAt, i));
      const std::string_view rest(bytes.data() + i, end - i);
      if (end == bytes.size()) {  // the line continues in the next piece
        line_.append(rest);
        if (line_.size() > maxEventBytes_) return false;
        break;
      }
      skipLf_ = bytes[end] == '\r';
      i = end + 1;
      if (line_.empty()) {  // the whole line is in this piece: read in place
        if (rest.size() > maxEventBytes_ || !takeLine(rest, /*inPiece=*/true, onEvent))
          return false;
      } else {
        line_.append(rest);
        if (line_.size() > maxEventBytes_ || !takeLine(line_, /*inPiece=*/false, onEvent))
          return false;
        line_.clear();
      }
    }
    if (dataInPiece_) {  // the event goes on in the next piece: its data must outlive this one
      data_.assign(dataView_);
      dataInPiece_ = false;
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
  // `inPiece`: `line` lies in the piece being fed, so an event's only data line can be handed to
  // the callback where it is, uncopied (the usual event: one data line and its blank line, both
  // in the same piece).
  template <class OnEvent>
  bool takeLine(std::string_view line, bool inPiece, OnEvent& onEvent) {
    if (line.empty()) {
      if (hasData_) {
        const std::string_view data = dataInPiece_ ? dataView_ : std::string_view(data_);
        if constexpr (std::is_invocable_v<OnEvent&, std::string_view, std::string_view>)
          onEvent(data, std::string_view(name_));
        else
          onEvent(data);
        data_.clear();
        dataInPiece_ = false;
        hasData_ = false;
      }
      name_.clear();
      return true;
    }
    if (line.front() != ':') {
      const auto colon = line.find(':');
      const std::string_view field = line.substr(0, colon);
      std::string_view value;
      if (colon != std::string_view::npos) {
        value = line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      }
      if (field == "data") {
        if (!hasData_ && inPiece) {
          dataView_ = value;
          dataInPiece_ = true;
        } else {
          if (dataInPiece_) {
            data_.assign(dataView_);
            dataInPiece_ = false;
          }
          if (hasData_) data_ += '\n';
          data_.append(value);
          if (data_.size() > maxEventBytes_) return false;
        }
        hasData_ = true;
      } else if (field == "event") {
        name_.assign(value);
      }
    }
    return true;
  }

  std::size_t maxEventBytes_;
  std::string line_;
  std::string data_;           // the pending event's data, unless it is dataView_
  std::string_view dataView_;  // with dataInPiece_: its only data line, in the piece being fed
  bool dataInPiece_ = false;
  std::string name_;  // the pending event's `event:` field
  bool hasData_ = false;
  bool skipLf_ = false;
};

}  // namespace switchyard::core
