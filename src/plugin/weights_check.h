// The .weights file checked against the network before libdarknet reads it.
// Darknet's load_weights_upto freads each layer's arrays and ignores short
// reads and leftover bytes: a truncated, empty, over-long or foreign file
// loads "successfully" and the network computes garbage. The plugin knows
// every layer's parameter count, so it checks the size first.
#pragma once
#include <cstdint>
#include <string>

#include "darknet_abi.h"

namespace huge2::plugin {

// What layers [start, min(cutoff, net.n)) read, in bytes after the header,
// or -1 when a layer's record is one the plugin does not know (binary
// convolutions, recurrent and local layers): then no check is made.
int64_t expected_payload(const network& net, int start, int cutoff);

// "" when `path` fits; else the reason, naming the layer and byte offset.
// A file longer than needed is accepted when cutoff < net.n (a partial load
// of a larger file, as Darknet's partial command does). A file that ends on
// a layer boundary after at least one layer (one `darknet partial` wrote) is
// accepted too, with *note saying how many layers it loads; one that ends
// inside a layer is refused. A file that cannot be opened is left to Darknet
// (which says so itself).
std::string check_weights_file(const network& net, const char* path, int start, int cutoff,
                               std::string* note = nullptr);

}  // namespace huge2::plugin
