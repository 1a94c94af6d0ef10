#include "telemetry/prometheus_text.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace switchyard::telemetry {

namespace {

std::string_view typeName(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Histogram:
      return "histogram";
  }
  return "untyped";
}

// `{a="x",b="y"}` (plus `le` for a bucket); nothing when every value is empty.
void appendLabels(std::string& out, const MetricFamily& family, const SeriesSnapshot& series,
                  std::string_view le = {}) {
  bool open = false;
  auto separator = [&] {
    out += open ? ',' : '{';
    open = true;
  };
  for (std::size_t i = 0; i < family.labelNames.size() && i < series.labelValues.size(); ++i) {
    if (series.labelValues[i].empty()) continue;
    separator();
    out += family.labelNames[i];
    out += "=\"";
    appendEscapedLabelValue(out, series.labelValues[i]);
    out += '"';
  }
  if (!le.empty()) {
    separator();
    out += "le=\"";
    out += le;
    out += '"';
  }
  if (open) out += '}';
}

void appendSample(std::string& out, std::string_view name, std::string_view suffix,
                  const MetricFamily& family, const SeriesSnapshot& series, double value,
                  std::string_view le = {}) {
  out += name;
  out += suffix;
  appendLabels(out, family, series, le);
  out += ' ';
  appendNumber(out, value);
  out += '\n';
}

void appendHistogram(std::string& out, const MetricFamily& family, const SeriesSnapshot& series) {
  const auto& counts = series.histogram.counts;
  std::uint64_t cumulative = 0;
  std::string le;
  for (std::size_t i = 0; i < family.bounds.size(); ++i) {
    cumulative += i < counts.size() ? counts[i] : 0;
    le.clear();
    appendNumber(le, family.bounds[i]);
    appendSample(out, family.name, "_bucket", family, series, double(cumulative), le);
  }
  const std::uint64_t count = series.histogram.count();
  appendSample(out, family.name, "_bucket", family, series, double(count), "+Inf");
  appendSample(out, family.name, "_sum", family, series, series.histogram.sum);
  appendSample(out, family.name, "_count", family, series, double(count));
}

}  // namespace

void appendEscapedLabelValue(std::string& out, std::string_view value) {
  for (const char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void appendEscapedHelp(std::string& out, std::string_view help) {
  for (const char c : help) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void appendNumber(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    // Plain decimals where they stay short ("0.0001", not "1e-04"), as other clients write them.
    const double magnitude = std::fabs(value);
    const bool plain = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e15);
    std::array<char, 48> buf;
    const auto [end, ec] =
        plain ? std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::fixed)
              : std::to_chars(buf.data(), buf.data() + buf.size(), value);
    out.append(buf.data(), static_cast<std::size_t>(end - buf.data()));
  }
}

std::string renderPrometheusText(std::span<const FamilySnapshot> families) {
  std::string out;
  for (const auto& snapshot : families) {
    const MetricFamily& family = *snapshot.family;
    out += "# HELP ";
    out += family.name;
    out += ' ';
    appendEscapedHelp(out, family.help);
    out += "\n# TYPE ";
    out += family.name;
    out += ' ';
    out += typeName(family.type);
    out += '\n';
    for (const auto& series : snapshot.series) {
      if (family.type == MetricType::Histogram) {
        appendHistogram(out, family, series);
      } else {
        appendSample(out, family.name, "", family, series, series.value);
      }
    }
  }
  return out;
}

}  // namespace switchyard::telemetry
