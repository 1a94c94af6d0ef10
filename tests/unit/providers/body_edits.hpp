#pragma once
// Bodies made from real answers for the scanning readers' tests (vertex_response_scan_test.cpp,
// openai_answer_scan_test.cpp), which run the scan and the document reader on each and compare:
// the benchmarks' recorded answers, every prefix of an answer, and every one-byte edit of it; and
// that comparison.

#include <gtest/gtest.h>

#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "providers/provider.hpp"

namespace switchyard::providers::testing {

// A recorded answer of bench/canned-upstream (e.g. "generate.json"), found from this file's
// directory as case_files.hpp finds the cases; empty if it cannot be read.
inline std::string cannedUpstreamBody(std::string_view file) {
  const std::string here = __FILE__;
  std::ifstream in(here.substr(0, here.find_last_of('/')) + "/../../../bench/canned-upstream/" +
                   std::string(file));
  std::stringstream text;
  text << in.rdbuf();
  return in ? text.str() : std::string();
}

// JSON's structural bytes, a digit, a sign, an exponent, a space, a letter, a control byte and
// bytes that are not UTF-8: what an edit puts in place of a byte.
inline constexpr std::string_view kEditBytes = "\"\\{}[],:0-e. xn\x01\x80\xff";

template <class Check>
void forEachPrefix(std::string_view body, Check check) {
  for (std::size_t size = 0; size <= body.size(); ++size) check(body.substr(0, size));
}

// `body` with each byte replaced by each of kEditBytes in turn, and with each byte deleted.
template <class Check>
void forEachOneByteEdit(std::string_view original, Check check) {
  std::string body(original);
  for (std::size_t at = 0; at < body.size(); ++at) {
    const char kept = body[at];
    for (const char replacement : kEditBytes) {
      body[at] = replacement;
      check(std::string_view(body));
    }
    body.erase(at, 1);
    check(std::string_view(body));
    body.insert(at, 1, kept);
  }
}

// Expects the scanning reader's result to be the document reader's: the same error, or the same
// body, model and usage. True when both read an answer.
inline bool expectSameAnswer(const core::Result<TranslatedResponse>& fast,
                             const core::Result<TranslatedResponse>& reference,
                             std::string_view body) {
  EXPECT_EQ(fast.has_value(), reference.has_value()) << body;
  if (!fast || !reference) {
    if (!fast && !reference) {
      EXPECT_EQ(fast.error().kind, reference.error().kind) << body;
      EXPECT_EQ(fast.error().message, reference.error().message) << body;
    }
    return false;
  }
  EXPECT_EQ(fast->body, reference->body) << body;
  EXPECT_EQ(fast->responseModel, reference->responseModel) << body;
  EXPECT_EQ(fast->usage.promptTokens, reference->usage.promptTokens) << body;
  EXPECT_EQ(fast->usage.completionTokens, reference->usage.completionTokens) << body;
  EXPECT_EQ(fast->usage.totalTokens, reference->usage.totalTokens) << body;
  EXPECT_EQ(fast->usage.cachedTokens, reference->usage.cachedTokens) << body;
  EXPECT_EQ(fast->usage.reasoningTokens, reference->usage.reasoningTokens) << body;
  return true;
}

}  // namespace switchyard::providers::testing
