#include "inputs.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace switchyard::bench {

std::string benchPath(const std::string& relative) {
  return std::string(SWITCHYARD_BENCH_DIR) + "/" + relative;
}

std::string readBenchFile(const std::string& relative) {
  std::ifstream in(benchPath(relative), std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + benchPath(relative));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace switchyard::bench
