// Time to first token of streamed requests, sampled many thousands of times per target with a
// client that costs a few microseconds per request (blocking sockets, no event loop, no allocation
// once warm), so the tail it reports is the servers' and the machine's rather than the harness's.
//
//   ttft_client ROUNDS PER_ROUND WARMUP OUT_TSV  NAME PORT MATCH PATH BODY_FILE  [NAME PORT ...]...
//
// One keep-alive HTTP/1.1 connection per target on 127.0.0.1. Each round sends PER_ROUND streamed
// POSTs to each target in turn, one after the other (the first target of a round rotates, so no
// target always follows the same one); WARMUP requests per target go first and are not recorded.
// A sample is timed with CLOCK_MONOTONIC from just before the request's send() to the return of the
// recv() that brought the first byte of the first SSE event that counts (MATCH `data`: any `data:`
// event, as a Vertex stream's first event carries text; `content`: a `data:` event whose JSON has a
// non-empty `"content":"..."`, as the OpenAI role chunk carries `"content":""`), and the response
// is read to its end. OUT_TSV gets one line per sample:
//   round  target  ttft_ns  event_end_ns  total_ns  events
// event_end_ns is when that event's closing blank line arrived (equal to ttft_ns unless the event
// was split across reads). Any status but 200, a stream without a counting event, or an OpenAI
// stream without `data: [DONE]` stops the run: a fast error must not pass for a fast token.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

int64_t nowNs() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "ttft_client: %s\n", what.c_str());
  std::exit(1);
}

enum class Match { anyData, content };

struct Target {
  std::string name;
  uint16_t port = 0;
  Match match = Match::anyData;
  std::string request;  // the whole request, head and body, sent with one send()
  int fd = -1;
  int reconnects = 0;
};

struct Sample {
  int64_t ttftNs = -1;
  int64_t eventEndNs = -1;
  int64_t totalNs = 0;
  int events = 0;
  bool done = false;
};

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

void connectTarget(Target& target) {
  if (target.fd >= 0) close(target.fd);
  target.fd = socket(AF_INET, SOCK_STREAM, 0);
  if (target.fd < 0) fail("socket: " + std::string(std::strerror(errno)));
  int one = 1;
  // The request goes out in one send(); without this a second request could wait on a delayed ACK.
  setsockopt(target.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(target.port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(target.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    fail(target.name + ": connect to port " + std::to_string(target.port) + ": " +
         std::strerror(errno));
}

// Reads one HTTP/1.1 response from a blocking socket: the head, then the body (Content-Length or
// chunked), decoded into `body_`; after each recv() it notes how much body had arrived by then, so
// the arrival time of any body byte can be looked up once its event is recognised. Buffers are
// kept across requests.
class StreamReader {
 public:
  StreamReader() {
    raw_.resize(1 << 16);
    body_.reserve(1 << 16);
    marks_.reserve(64);
  }

  Sample exchange(Target& target) {
    body_.clear();
    marks_.clear();
    start_ = end_ = 0;
    const int64_t t0 = nowNs();
    size_t sent = 0;
    while (sent < target.request.size()) {
      const ssize_t n =
          send(target.fd, target.request.data() + sent, target.request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) fail(target.name + ": send: " + std::strerror(errno));
      sent += static_cast<size_t>(n);
    }
    const Head head = readHead(target);
    if (head.status != 200) {
      fail(target.name + ": status " + std::to_string(head.status) + ": " +
           std::string(raw_.data() + start_, std::min<size_t>(end_ - start_, 400)));
    }
    // Body bytes that came with the head arrived with the head's last recv().
    int64_t lastRead = headDoneNs_;
    bool complete = decodeBody(head);
    marks_.emplace_back(body_.size(), lastRead);
    while (!complete) {
      lastRead = receive(target);
      complete = decodeBody(head);
      marks_.emplace_back(body_.size(), lastRead);
    }
    Sample sample = scanEvents(target.match);
    if (sample.ttftNs >= 0) {
      sample.ttftNs -= t0;
      sample.eventEndNs -= t0;
    }
    sample.totalNs = lastRead - t0;
    if (head.close) {
      connectTarget(target);
      ++target.reconnects;
    }
    return sample;
  }

 private:
  struct Head {
    int status = 0;
    bool chunked = false;
    bool close = false;
    int64_t contentLength = -1;
  };

  // recv() into the raw buffer; returns when it returned.
  int64_t receive(Target& target) {
    if (start_ > 0 && start_ == end_) start_ = end_ = 0;
    if (end_ == raw_.size()) {
      if (start_ > 0) {
        std::memmove(raw_.data(), raw_.data() + start_, end_ - start_);
        end_ -= start_;
        start_ = 0;
      } else {
        raw_.resize(raw_.size() * 2);
      }
    }
    const ssize_t n = recv(target.fd, raw_.data() + end_, raw_.size() - end_, 0);
    const int64_t t = nowNs();
    if (n == 0) fail(target.name + ": connection closed mid-response");
    if (n < 0) fail(target.name + ": recv: " + std::strerror(errno));
    end_ += static_cast<size_t>(n);
    return t;
  }

  Head readHead(Target& target) {
    size_t headEnd = std::string_view::npos;
    for (;;) {
      headDoneNs_ = receive(target);
      headEnd = std::string_view(raw_.data() + start_, end_ - start_).find("\r\n\r\n");
      if (headEnd != std::string_view::npos) break;
    }
    std::string_view head(raw_.data() + start_, headEnd);
    start_ += headEnd + 4;
    Head parsed;
    const size_t space = head.find(' ');
    if (space == std::string_view::npos || head.size() < space + 4) fail("bad status line");
    parsed.status = std::atoi(std::string(head.substr(space + 1, 3)).c_str());
    size_t lineStart = head.find("\r\n");
    while (lineStart != std::string_view::npos) {
      lineStart += 2;
      const size_t lineEnd = head.find("\r\n", lineStart);
      const std::string_view line = head.substr(lineStart, lineEnd - lineStart);
      const size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        const std::string_view name = line.substr(0, colon);
        const std::string_view value = trim(line.substr(colon + 1));
        if (equalsIgnoreCase(name, "content-length")) {
          parsed.contentLength = std::atoll(std::string(value).c_str());
        } else if (equalsIgnoreCase(name, "transfer-encoding")) {
          parsed.chunked = equalsIgnoreCase(value, "chunked");
        } else if (equalsIgnoreCase(name, "connection")) {
          parsed.close = equalsIgnoreCase(value, "close");
        }
      }
      lineStart = lineEnd;
    }
    if (!parsed.chunked && parsed.contentLength < 0) fail("a response without a length");
    chunkLeft_ = 0;
    inChunk_ = false;
    return parsed;
  }

  // Moves what has arrived of the body into body_; true once the response is complete.
  bool decodeBody(const Head& head) {
    if (!head.chunked) {
      const size_t want = static_cast<size_t>(head.contentLength) - body_.size();
      const size_t take = std::min(want, end_ - start_);
      body_.append(raw_.data() + start_, take);
      start_ += take;
      return body_.size() == static_cast<size_t>(head.contentLength);
    }
    for (;;) {
      std::string_view rest(raw_.data() + start_, end_ - start_);
      if (inChunk_) {
        const size_t take = std::min<size_t>(chunkLeft_, rest.size());
        body_.append(rest.data(), take);
        start_ += take;
        chunkLeft_ -= take;
        if (chunkLeft_ > 0) return false;
        rest.remove_prefix(take);
        if (rest.size() < 2) return false;  // the chunk's CRLF is still to come
        start_ += 2;
        inChunk_ = false;
        continue;
      }
      const size_t lineEnd = rest.find("\r\n");
      if (lineEnd == std::string_view::npos) return false;
      const size_t size = std::strtoull(std::string(rest.substr(0, lineEnd)).c_str(), nullptr, 16);
      if (size == 0) {
        // The last chunk, then trailers (none expected) up to an empty line.
        const size_t trailerEnd = rest.find("\r\n\r\n", lineEnd);
        if (trailerEnd == std::string_view::npos) return false;
        start_ += trailerEnd + 4;
        return true;
      }
      start_ += lineEnd + 2;
      chunkLeft_ = size;
      inChunk_ = true;
    }
  }

  // When body byte `offset` arrived.
  int64_t arrival(size_t offset) const {
    for (const auto& [size, t] : marks_)
      if (size > offset) return t;
    return marks_.back().second;
  }

  static bool hasContent(std::string_view data) {
    static constexpr std::string_view key = "\"content\":\"";
    for (size_t at = data.find(key); at != std::string_view::npos; at = data.find(key, at + 1)) {
      const size_t value = at + key.size();
      if (value < data.size() && data[value] != '"') return true;
    }
    return false;
  }

  // Splits the body into SSE events (blank-line separated, LF or CRLF) and finds the first that
  // counts.
  Sample scanEvents(Match match) const {
    Sample sample;
    const std::string_view body(body_);
    size_t eventStart = 0;
    bool eventHasData = false;
    bool eventCounts = false;
    size_t lineStart = 0;
    while (lineStart < body.size()) {
      size_t lineEnd = body.find('\n', lineStart);
      if (lineEnd == std::string_view::npos) lineEnd = body.size();
      std::string_view line = body.substr(lineStart, lineEnd - lineStart);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) {
        if (eventHasData) {
          ++sample.events;
          if (eventCounts && sample.ttftNs < 0) {
            sample.ttftNs = arrival(eventStart);
            sample.eventEndNs = arrival(lineEnd);
          }
        }
        eventStart = lineEnd + 1;
        eventHasData = eventCounts = false;
      } else if (line.starts_with("data:")) {
        eventHasData = true;
        const std::string_view data = trim(line.substr(5));
        if (data == "[DONE]") {
          sample.done = true;
        } else if (match == Match::anyData || hasContent(data)) {
          eventCounts = true;
        }
      }
      lineStart = lineEnd + 1;
    }
    return sample;
  }

  std::vector<char> raw_;
  size_t start_ = 0;
  size_t end_ = 0;
  std::string body_;
  std::vector<std::pair<size_t, int64_t>> marks_;  // body size after each recv(), and its time
  int64_t headDoneNs_ = 0;
  size_t chunkLeft_ = 0;
  bool inChunk_ = false;
};

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void check(const Target& target, const Sample& sample) {
  if (sample.ttftNs < 0) fail(target.name + ": a stream without a first-token event");
  if (target.match == Match::content && !sample.done)
    fail(target.name + ": an OpenAI stream that did not end with data: [DONE]");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 10 || (argc - 5) % 5 != 0) {
    std::fprintf(stderr,
                 "usage: ttft_client ROUNDS PER_ROUND WARMUP OUT_TSV "
                 "NAME PORT data|content PATH BODY_FILE [NAME PORT ...]...\n");
    return 2;
  }
  const int rounds = std::atoi(argv[1]);
  const int perRound = std::atoi(argv[2]);
  const int warmup = std::atoi(argv[3]);
  const std::string outPath = argv[4];
  std::vector<Target> targets;
  for (int i = 5; i < argc; i += 5) {
    Target target;
    target.name = argv[i];
    target.port = static_cast<uint16_t>(std::atoi(argv[i + 1]));
    const std::string_view match = argv[i + 2];
    if (match != "data" && match != "content")
      fail("MATCH is data or content, not " + std::string(match));
    target.match = match == "data" ? Match::anyData : Match::content;
    const std::string body = readFile(argv[i + 4]);
    target.request = std::string("POST ") + argv[i + 3] +
                     " HTTP/1.1\r\nHost: 127.0.0.1:" + argv[i + 1] +
                     "\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n"
                     "Content-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body;
    connectTarget(target);
    targets.push_back(std::move(target));
  }

  StreamReader reader;
  for (auto& target : targets) {
    for (int i = 0; i < warmup; ++i) check(target, reader.exchange(target));
  }

  struct Row {
    int round;
    int target;
    Sample sample;
  };
  std::vector<Row> rows;
  rows.reserve(static_cast<size_t>(rounds) * perRound * targets.size());
  const size_t count = targets.size();
  for (int round = 0; round < rounds; ++round) {
    for (size_t k = 0; k < count; ++k) {
      const size_t index = (static_cast<size_t>(round) + k) % count;
      Target& target = targets[index];
      for (int i = 0; i < perRound; ++i) {
        const Sample sample = reader.exchange(target);
        check(target, sample);
        rows.push_back({round, static_cast<int>(index), sample});
      }
    }
  }

  std::FILE* out = std::fopen(outPath.c_str(), "w");
  if (out == nullptr) fail("cannot write " + outPath);
  std::fprintf(out, "round\ttarget\tttft_ns\tevent_end_ns\ttotal_ns\tevents\n");
  for (const auto& row : rows) {
    std::fprintf(out, "%d\t%s\t%lld\t%lld\t%lld\t%d\n", row.round, targets[row.target].name.c_str(),
                 static_cast<long long>(row.sample.ttftNs),
                 static_cast<long long>(row.sample.eventEndNs),
                 static_cast<long long>(row.sample.totalNs), row.sample.events);
  }
  std::fclose(out);
  for (const auto& target : targets) {
    if (target.reconnects > 0)
      std::fprintf(stderr, "%s: the server closed the connection %d times (reconnected)\n",
                   target.name.c_str(), target.reconnects);
  }
  return 0;
}
