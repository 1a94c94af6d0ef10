#pragma once
// The fast reader of a Vertex GenerateContentResponse (a whole answer, or one stream event): one
// pass of Boost.JSON's SAX parser (basic_parser) that keeps only what the output needs, instead of
// building a document (object tables, duplicate-key checks, key copies) and looking fields up in
// it. Parsing the DOM was most of the translation's cost.
//
// It takes only the common shapes and declines everything else, which the document reader then
// translates as it always did — so an odd body costs one extra pass but never changes output or
// errors. Declined:
// - anything the parser rejects (syntax, depth, UTF-8, size limits), a body with no candidates or
//   with a top-level `error` (errors and blocked prompts are the document reader's);
// - functionCall parts and logprobsResult (their output needs the parsed values);
// - a field the output reads holding an unexpected type (e.g. `"text": null`, `"index": "1"`,
//   `"parts": {}`), or a key the output reads appearing twice in one object (the document keeps
//   the last, this pass would have used both).
// Fields the output does not read are skipped whatever they hold; the parser still checks them, so
// a body accepted here is one the document reader would have parsed too.

#include <memory_resource>
#include <string_view>

#include "providers/vertex/completion_digest.hpp"

namespace switchyard::providers::vertex {

// True when `body` was read into `digest`, whose views then point into `body` or, for strings
// that had escapes, into one block of `arena` as large as the body. On false `digest` holds a
// partial read to be discarded.
bool scanResponse(std::string_view body, CompletionDigest& digest,
                  std::pmr::memory_resource& arena);

}  // namespace switchyard::providers::vertex
