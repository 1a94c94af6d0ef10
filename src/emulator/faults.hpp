#pragma once
// Faults the emulator injects, chosen per request so tests never depend on timing:
//  - a directive in the last user text: `[[emulator: status=429, retry_after=3]]`;
//  - the control API: POST /emulator/faults {"model": "...", "fault": {...}, "count": N}.
// See src/emulator/README.md for every key.

#include <boost/json/fwd.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::emulator {

struct Fault {
  unsigned status = 0;                 // answer this status with Google's error body
  int retryAfterSeconds = -1;          // Retry-After header (with status)
  std::chrono::milliseconds delay{0};  // wait before answering
  bool hang = false;                   // never answer
  bool reset = false;                  // drop the connection without a response
  bool refuseStream = false;           // HTTP/2: RST_STREAM REFUSED_STREAM (HTTP/1.1: as reset)
  bool chunkedBody = false;            // write the body in small pieces with small pauses
  std::chrono::milliseconds streamPause{0};  // pause after the first stream event
  int streamResetAfter = -1;                 // drop the connection after this many events
  int streamMalformedAfter = -1;             // after this many events send a non-JSON data line
  int streamErrorAfter = -1;  // Claude: after this many events an `event: error` (overloaded_error)
  bool googleError = false;   // Claude: answer `status` in Google's envelope, not Anthropic's
  // With `status`: an error body that never ends (pieces until the client leaves), each piece
  // after `bodyPause`; for the gateway's deadline and size cap on error bodies.
  bool endlessBody = false;
  std::chrono::milliseconds bodyPause{0};
  bool echoHeaders = false;  // with `status`: the error message repeats the request's headers

  bool empty() const;
  // Keys set in `other` override this one's.
  void merge(const Fault& other);
};

struct FaultSyntaxError {
  std::string message;
};

// Every `[[emulator: ...]]` directive in `text`, merged in order. No directive → an empty Fault.
boost::system::result<Fault, FaultSyntaxError> parseFaultDirectives(std::string_view text);

// `text` without its directives (and without the space left before one).
std::string stripFaultDirectives(std::string_view text);

// The control API's fault object: the directive keys as JSON members
// ({"status": 503, "retry_after": 2, "hang": true, ...}).
boost::system::result<Fault, FaultSyntaxError> parseFaultJson(const boost::json::value& value);

// Faults queued through the control API, by target. A target is a model id, "*" for any model or
// "token" for the token endpoint. Thread-safe.
class FaultTable {
 public:
  static constexpr std::string_view kAnyModel = "*";
  static constexpr std::string_view kTokenEndpoint = "token";

  // count < 0: until cleared.
  void add(std::string target, Fault fault, int count);
  void clear();
  // The fault for the next request to `target` (its own entries first, then "*" unless the target
  // is the token endpoint), counting it down.
  std::optional<Fault> take(std::string_view target);

 private:
  struct Entry {
    Fault fault;
    int remaining;
  };
  std::optional<Fault> takeFrom(std::string_view target);

  std::mutex mutex_;
  std::map<std::string, std::deque<Entry>, std::less<>> entries_;
};

}  // namespace switchyard::emulator
