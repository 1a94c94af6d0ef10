#pragma once
// The fast reader of an OpenAI-schema answer, which is relayed as is and read only for `model` and
// `usage`: one pass of Boost.JSON's SAX parser (basic_parser) instead of a document built for two
// lookups (building it cost more than the rest of the proxying).
//
// It takes the common shapes and declines everything else, which the document reader then reads
// as it always did, so an odd body costs one extra pass but never changes the result. Declined:
// - anything the parser rejects (syntax, depth, UTF-8, size limits), and a root that is not an
//   object;
// - a field it reads holding another type than it expects: `model` not a string or null, `usage`
//   or its `*_details` not an object or null, a count not an integer (a string, a fraction);
// - a key it reads appearing twice in one object (the document keeps the last one).
// Fields it does not read are skipped whatever they hold; the parser still checks them, so a body
// taken here is one the document reader would have parsed too.

#include <optional>
#include <string_view>

#include "providers/provider.hpp"

namespace switchyard::providers::openai {

struct AnswerDigest {
  std::string_view model;  // a view of the body; empty when absent, null, or escaped (declined)
  Usage usage;             // counts as core::toInt64 reads them: out of int64's range reads as 0
};

// The digest of `body`, or nullopt when the document reader must read it.
std::optional<AnswerDigest> scanAnswer(std::string_view body);

}  // namespace switchyard::providers::openai
