#pragma once
// The micro-benchmarks' inputs: files under bench/ (recorded upstream answers, request bodies, a
// routing table), so the numbers can be traced to the same bytes the load benchmarks send.

#include <string>

namespace switchyard::bench {

// Absolute path of `relative` under bench/.
std::string benchPath(const std::string& relative);

// The whole file under bench/; throws (start-up, not measured) when it cannot be read.
std::string readBenchFile(const std::string& relative);

}  // namespace switchyard::bench
