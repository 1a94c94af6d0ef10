#pragma once
// headerMutation / bodyMutation (Envoy AI Gateway) applied to one attempt's translated upstream
// request. Pure: no I/O, no clock, nothing kept between calls.

#include "config/snapshot.hpp"
#include "core/http_message.hpp"

namespace switchyard::gateway {

enum class MutationResult {
  Applied,      // everything configured was applied (or nothing was configured)
  BodySkipped,  // a body mutation exists but the body is not a JSON object: body left as it was
};

// Applies `mutations` to `request`: header removals, then header sets (names in any case; a set
// replaces every value the header had), then the body's top-level member removals, then sets.
//
// Pass the BackendRef's `mutations`, which the loader already merged (the route level over the
// backend level). Call it after the provider's buildRequest and before the signer, so the
// credential, x-request-id and trace context written afterwards always win. Protected headers and
// body members (config/mutation_rules.hpp) are skipped even if a snapshot carries them.
//
// Costs nothing when `mutations` is empty; the body is only scanned when a body mutation exists.
// Members that are not touched keep their exact bytes (numbers are not re-formatted).
MutationResult applyMutations(const config::Mutations& mutations, core::OutboundRequest& request);

}  // namespace switchyard::gateway
