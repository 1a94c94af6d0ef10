#pragma once

namespace switchyard::demo {

// `switchyard demo [--listen HOST:PORT] [--admin HOST:PORT]`: the gateway plus the built-in Vertex
// AI emulator over TLS, configured like the Vertex fallback guide with a broken primary. Needs no
// credentials, no network.
int runDemoCommand(int argc, char** argv);

}  // namespace switchyard::demo
