#pragma once
// `switchyard demo [--listen HOST:PORT] [--admin HOST:PORT]`: the gateway plus the built-in Vertex
// AI emulator over TLS, configured like the Vertex fallback guide with a broken primary. Needs no
// credentials, no network.

namespace switchyard::app {

// argv[1] is "demo". Returns the process exit code (2 on a usage error or manifests that do not
// load).
int runDemoCommand(int argc, char** argv);

}  // namespace switchyard::app
