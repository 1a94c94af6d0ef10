#pragma once
// Prometheus text exposition format 0.0.4: HELP and TYPE lines, escaped label values, histograms
// as cumulative `_bucket{le=...}` series ending in `+Inf`, then `_sum` and `_count`.

#include <span>
#include <string>
#include <string_view>

#include "telemetry/metrics_registry.hpp"

namespace switchyard::telemetry {

// Empty label values are left out, as Prometheus treats a label with an empty value as absent.
std::string renderPrometheusText(std::span<const FamilySnapshot> families);

// Label values escape backslash, double quote and newline; HELP text escapes backslash and newline.
void appendEscapedLabelValue(std::string& out, std::string_view value);
void appendEscapedHelp(std::string& out, std::string_view help);
// Shortest text that reads back as the same double; +Inf, -Inf and NaN as Prometheus spells them.
void appendNumber(std::string& out, double value);

}  // namespace switchyard::telemetry
