#pragma once
// OpenAI chat request → Vertex AI GenerateContentRequest (docs/spec/wire.md §2.7, §2.8).
//
// Decisions beyond the spec tables:
// - The full field-by-field decision table is docs/spec/openai-vertex-request-fields.md.
// - Unknown top-level fields are ignored, as are fields with no Vertex equivalent that change
//   nothing in the answer (`user`, `metadata`, `store`, ...). Fields whose loss would change the
//   answer are refused: a non-empty `logit_bias`, a `service_tier` other than auto/default, and
//   `parallel_tool_calls: false` with functions declared.
// - A key given twice counts once, with its last value (Boost.JSON keeps the last). A null field
//   reads as absent, except a null `type` of a `tool_choice.allowed_tools.tools` entry, which is
//   refused where a missing one means `function`.
// - Vendor extensions read from the OpenAI body: `safety_settings` (or `safetySettings`), an
//   array of Vertex SafetySetting objects copied verbatim to `safetySettings`; `labels`, a
//   string→string object copied to `labels`. Giving both spellings of safety settings is a 400.
// - `reasoning_effort` → `thinkingConfig.thinkingBudget`: none 0, minimal 512, low 1024, medium
//   8192, high/xhigh/max 24576 (the largest budget every Gemini 2.5 model accepts). On Gemini 3
//   (gemini-3*, and later majors) → `thinkingLevel`: Flash none/minimal MINIMAL, low LOW, medium
//   MEDIUM, high+ HIGH; Pro minimal/low LOW, medium+ HIGH, none refused. Any effort other than
//   `none` also sets `includeThoughts: true`, so thought summaries come back as
//   `reasoning_content`. `thinking` ({type: enabled|adaptive|disabled}) is the other way in; both
//   together is a 400.
// - Model-dependent mappings read the body's `model` (the two-argument translateRequestBody takes
//   the upstream model instead).
// - Gemini 3: the first replayed tool call of a model turn that carries no signature (an id
//   Switchyard did not mint) gets Google's stand-in `skip_thought_signature_validator`.
// - Thinking blocks (`thinking_blocks`, assistant `thinking` parts) → `thought: true` parts; a
//   block's signature goes on the next answer part of the message.
// - `image_url` with an http(s)/gs URL → fileData with the MIME type taken from the extension;
//   unknown extensions are sent as `image/jpeg`. Data URLs → inlineData with their own MIME type.
// - Tool results are always wrapped as `{"output": <text>}`; text that happens to be JSON is not
//   unpacked, because Vertex gives the keys `output` and `error` a meaning of their own.
// - Tool results answering one assistant turn go into one `user` content, in the order of the
//   assistant's `tool_calls`. Adjacent messages that map to the same Vertex role are merged.
//   Messages that yield no parts (e.g. an empty assistant text) are skipped.
// - A replayed tool call whose id carries a thought signature (see wire.hpp) gets it back as the
//   part's `thoughtSignature`; a call without one is sent without.
// - `toolConfig` is only sent together with function declarations.
// - A number beyond double range (Boost.JSON reads `1e999` as infinity) has no JSON form: whether
//   in a scalar field (`temperature`, `top_p`, penalties) or in a value copied verbatim (JSON
//   schemas, tool-call arguments, safety settings), the request is refused with InvalidRequest
//   "number out of range", `param` naming where it is (e.g. `tools[0].function.parameters.x.max`).

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "providers/provider.hpp"

namespace switchyard::providers::vertex {

// `/v1/projects/{project}/locations/{region}/publishers/google/models/{model}:generateContent`, or
// `:streamGenerateContent?alt=sse`. An unsafe model is InvalidRequest (param "model"); an unsafe
// project or region is Internal (it comes from configuration, not from the client).
core::Result<std::string> buildTarget(const BackendTarget& target, bool stream);

// The JSON body of the GenerateContentRequest. Validation failures are InvalidRequest with `param`
// naming the field (e.g. `messages[2].tool_calls[0].function.arguments`).
core::Result<std::string> translateRequestBody(const boost::json::object& body);
// The same for the upstream model `upstreamModel` (the backend's modelNameOverride, else the
// requested model), which decides the model-dependent mappings (Gemini 3 thinking levels, legacy
// responseSchema, per-part media resolution, the stand-in thought signature). The one-argument
// form reads the body's `model`.
core::Result<std::string> translateRequestBody(const boost::json::object& body,
                                               std::string_view upstreamModel);

}  // namespace switchyard::providers::vertex
