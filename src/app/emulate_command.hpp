#pragma once
// `switchyard emulate`: the Vertex AI + OAuth emulator as a process, for local development and the
// end-to-end tests. Prints one JSON line with the URL on stdout when ready; runs until
// SIGINT/SIGTERM.

namespace switchyard::app {

// argv[1] is "emulate". Returns the process exit code (2 on a usage error, 0 after -h).
int runEmulateCommand(int argc, char** argv);

}  // namespace switchyard::app
