#pragma once
// Running a stream translator in the stream tests: event by event (onEvent, the translation
// itself) or as upstream SSE bytes cut anywhere (onBytes, what the gateway feeds). The byte-level
// tests check that both give the same outcome, whatever the cuts.

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "providers/sse_stream_translator.hpp"

namespace switchyard::providers::testing {

struct StreamRun {
  std::string out;
  std::optional<core::Error> error;
  Usage usage;
  std::string model;
};

// Each event's data through onEvent(), then finish() unless an event failed.
inline StreamRun runEvents(SseStreamTranslator& translator,
                           const std::vector<std::string>& events) {
  StreamRun run;
  for (const auto& event : events) {
    if (auto result = translator.onEvent(event, run.out); !result) {
      run.error = result.error();
      break;
    }
  }
  if (!run.error) {
    if (auto result = translator.finish(run.out); !result) run.error = result.error();
  }
  run.usage = translator.usage();
  run.model = std::string(translator.responseModel());
  return run;
}

// `body` through onBytes() in pieces cut at `cuts` (ascending offsets into it), then finish()
// unless a piece failed.
inline StreamRun runBytes(StreamTranslator& translator, std::string_view body,
                          std::span<const std::size_t> cuts) {
  StreamRun run;
  std::size_t from = 0;
  for (std::size_t i = 0; i <= cuts.size() && !run.error; ++i) {
    const std::size_t to = i < cuts.size() ? cuts[i] : body.size();
    if (auto result = translator.onBytes(body.substr(from, to - from), run.out); !result)
      run.error = result.error();
    from = to;
  }
  if (!run.error) {
    if (auto result = translator.finish(run.out); !result) run.error = result.error();
  }
  run.usage = translator.usage();
  run.model = std::string(translator.responseModel());
  return run;
}

// Everything a run gives, as text, so that two runs compare with one readable diff.
inline std::string describe(const StreamRun& run) {
  std::string text = run.out;
  text += "\nerror: ";
  if (run.error) {
    text += std::string(core::kindName(run.error->kind)) + " " +
            std::to_string(run.error->upstreamStatus) + " " + run.error->code + " " +
            run.error->message;
  } else {
    text += "none";
  }
  const Usage& u = run.usage;
  text += "\nusage: " + std::to_string(u.promptTokens) + " " + std::to_string(u.completionTokens) +
          " " + std::to_string(u.totalTokens) + " " + std::to_string(u.cachedTokens) + " " +
          std::to_string(u.reasoningTokens) + "\nmodel: " + run.model;
  return text;
}

// The data lines of one event's data: CR, LF and CRLF each end a line.
inline std::vector<std::string_view> dataLines(std::string_view data) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= data.size(); ++i) {
    if (i < data.size() && data[i] != '\r' && data[i] != '\n') continue;
    lines.push_back(data.substr(start, i - start));
    if (i + 1 < data.size() && data[i] == '\r' && data[i + 1] == '\n') ++i;
    start = i + 1;
  }
  return lines;
}

// The data an SSE decoder yields for `data` sent by sseBody(): its lines joined with LF.
inline std::string sseData(std::string_view data) {
  const auto lines = dataLines(data);
  std::string joined;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) joined += '\n';
    joined.append(lines[i]);
  }
  return joined;
}

// An upstream SSE body carrying these events: one `data: ` line per line of an event's data, a
// blank line after each event, every line ended by `eol` ("\n", or "\r\n" as Vertex sends).
inline std::string sseBody(const std::vector<std::string>& events, std::string_view eol) {
  std::string body;
  for (const auto& event : events) {
    for (const auto line : dataLines(event)) body.append("data: ").append(line).append(eol);
    body.append(eol);
  }
  return body;
}

// `body` cut once at every offset, then cut between every two bytes: each run (a new translator
// from `make`) must describe as `expected`. Stops at the first difference.
template <class MakeTranslator>
::testing::AssertionResult everyCutGives(const MakeTranslator& make, std::string_view body,
                                         const StreamRun& expected) {
  const std::string want = describe(expected);
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    const std::size_t cuts[] = {cut};
    const std::string got = describe(runBytes(*make(), body, cuts));
    if (got != want)
      return ::testing::AssertionFailure()
             << "body cut at " << cut << " of " << body.size() << ":\n"
             << got << "\nevent by event:\n"
             << want;
  }
  std::vector<std::size_t> everyByte(body.empty() ? 0 : body.size() - 1);
  for (std::size_t i = 0; i < everyByte.size(); ++i) everyByte[i] = i + 1;
  const std::string got = describe(runBytes(*make(), body, everyByte));
  if (got != want)
    return ::testing::AssertionFailure() << "body fed byte by byte:\n"
                                         << got << "\nevent by event:\n"
                                         << want;
  return ::testing::AssertionSuccess();
}

}  // namespace switchyard::providers::testing
