#pragma once
// Where finished spans go. Built once by gateway::Gateway and passed down to the workers (a
// process-wide service); the request path only ever calls submit().

#include <chrono>

#include "telemetry/span.hpp"

namespace switchyard::telemetry {

class Exporter {
 public:
  virtual ~Exporter() = default;

  // Takes the span for export. Any thread; never blocks, never waits on a lock another thread may
  // hold, never fails the caller: a span that cannot be queued is dropped and counted.
  virtual void submit(Span&& span) = 0;

  // Exports what is queued and stops, returning by `deadline` whatever the collector does; spans
  // still queued then, and any submitted afterwards, are dropped. Returns whether everything
  // submitted before the call was exported. Call once, before destruction.
  virtual bool shutdown(std::chrono::steady_clock::time_point deadline) = 0;
};

}  // namespace switchyard::telemetry
