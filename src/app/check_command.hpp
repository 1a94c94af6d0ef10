#pragma once
// `switchyard check -c PATH [-c PATH]... [--secrets-dir DIR]`: loads the manifests as `run` would,
// prints every diagnostic to stderr and, if they load, the routing table to stdout.

namespace switchyard::app {

// argv[1] is "check"; takes run's options. Returns the exit code: 0, or 2 if the manifests do not
// load. Throws UsageError.
int runCheckCommand(int argc, char** argv);

}  // namespace switchyard::app
