#include "providers/anthropic/anthropic_provider.hpp"

namespace switchyard::providers::anthropic {

const Provider& provider() {
  static const Provider anthropic{
      .descriptor = {.schemaName = "GCPAnthropic",
                     .genAiProviderName = "gcp.anthropic",
                     .openInferenceSystem = "anthropic",
                     .openInferenceProvider = "google",
                     .defaultPrefix = "",
                     .defaultVersion = "vertex-2023-10-16",
                     .endpoints = 0},
      .translators = {},
  };
  return anthropic;
}

}  // namespace switchyard::providers::anthropic
